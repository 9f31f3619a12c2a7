// Medians and rates over the alternating runs.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One line of the results table: a median wall time and what it means per row and per byte. */
export interface SummaryLine {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  rowsPerS: number;
  mbPerS: number;
  /** Median peak RSS, MiB; null where nothing was measured. */
  peakRssMiB: number | null;
  /** Median CPU seconds of the contender's own processes (the PostgreSQL server's work is not in it). */
  cpuS: number | null;
  /** Median busy cores of the whole machine during the run (contender + server + anything else). */
  busyCores: number | null;
  note?: string;
}

export interface LineInput {
  wallMs: number[];
  rssKb?: number[];
  cpuMs?: number[];
  busyCores?: (number | null)[];
  note?: string;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summaryLine(name: string, input: LineInput, rows: number, bytes: number): SummaryLine {
  const ms = median(input.wallMs);
  const busy = (input.busyCores ?? []).filter((b): b is number => b !== null);
  return {
    name,
    runs: input.wallMs.length,
    medianMs: Math.round(ms),
    minMs: Math.round(Math.min(...input.wallMs)),
    maxMs: Math.round(Math.max(...input.wallMs)),
    rowsPerS: Math.round(rows / (ms / 1000)),
    mbPerS: round(bytes / 1e6 / (ms / 1000), 2),
    peakRssMiB: input.rssKb?.length ? round(median(input.rssKb) / 1024, 1) : null,
    cpuS: input.cpuMs?.length ? round(median(input.cpuMs) / 1000, 2) : null,
    busyCores: busy.length ? round(median(busy), 2) : null,
    ...(input.note ? { note: input.note } : {}),
  };
}

/** a / b rounded to two decimals, or null when either side was not measured. */
export function ratio(a: SummaryLine | undefined, b: SummaryLine | undefined): number | null {
  if (!a || !b || !(b.medianMs > 0)) return null;
  return round(a.medianMs / b.medianMs, 2);
}

/** Median of each key over the records that have it. */
export function medianOfKeys(records: readonly Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, Math.round(median(records.filter((r) => k in r).map((r) => r[k])))]));
}
