// Local wall-clock time in an IANA zone → UTC for the verifier, through Intl's zone database, refusing
// times that a DST change skipped or repeated (the data rules' invalid_timestamp).

type Offsets = (utcSeconds: number) => number;

const zones = new Map<string, Offsets | null>();

/** The zone's UTC offset (seconds east) at an instant, with a per-hour cache: offsets change rarely. */
function offsetsFor(zone: string): Offsets | null {
  let cached = zones.get(zone);
  if (cached !== undefined) return cached;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    zones.set(zone, null);
    return null;
  }
  const exact = (utc: number): number => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(new Date(utc * 1000))) parts[p.type] = p.value;
    let year = Number(parts.year);
    if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
    const wall = Date.UTC(
      2000,
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    // Date.UTC maps years 0–99 to 1900s: shift from 2000 by whole years instead.
    const shifted = new Date(wall);
    shifted.setUTCFullYear(year);
    return shifted.getTime() / 1000 - utc;
  };
  const hourly = new Map<number, number>();
  cached = (utc: number): number => {
    const hour = Math.floor(utc / 3600);
    const hit = hourly.get(hour);
    if (hit !== undefined) return hit;
    const start = exact(hour * 3600);
    if (start !== exact(hour * 3600 + 3599)) return exact(utc);
    if (hourly.size > 100_000) hourly.clear();
    hourly.set(hour, start);
    return start;
  };
  zones.set(zone, cached);
  return cached;
}

/**
 * The UTC instant (seconds since 1970) of a local wall-clock time (seconds since 1970, read as if UTC)
 * in `zone`; not ok when the zone is unknown, or the time falls in a DST gap or overlap.
 */
export function localToUtcSeconds(
  zone: string,
  localSeconds: number,
): { ok: true; seconds: number } | { ok: false; reason: string } {
  const offsetAt = offsetsFor(zone);
  if (offsetAt === null) return { ok: false, reason: `unknown time zone ${zone}` };
  const candidates = new Set([offsetAt(localSeconds - 86400), offsetAt(localSeconds), offsetAt(localSeconds + 86400)]);
  const found = new Set<number>();
  for (const offset of candidates) {
    const utc = localSeconds - offset;
    if (offsetAt(utc) === offset) found.add(utc);
  }
  if (found.size === 1) return { ok: true, seconds: [...found][0] };
  if (found.size === 0) return { ok: false, reason: `local time skipped by a DST change in ${zone}` };
  return { ok: false, reason: `local time repeated by a DST change in ${zone}` };
}
