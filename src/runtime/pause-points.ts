// Named points of a run where a fault test can stop the process deterministically: when armed (from
// Config.pauseAt, i.e. SQLITE2PG_TEST_PAUSE_AT), the first matching point logs a marker line to stderr
// and waits there, so the test can kill -9 the process, drop its connection or restart the server at
// exactly that moment. Unarmed (always, outside tests) every point is a no-op.

/** What the stderr marker line starts with; tests wait for it. */
export const PAUSE_MARKER = 'sqlite2pg-test: paused at ';

interface Armed {
  spec: string;
  /** How long to wait before carrying on by itself, in ms (SIGUSR2 ends the wait sooner). */
  waitMs: number;
  hit: boolean;
}

let armed: Armed[] = [];

/**
 * Arms the pause point `spec`: a point name (`copy:knowledge.knowledge_items`) or a prefix ending in `*`
 * (`copy:*`, the first COPY); several, comma-separated, each pause once. Only the first match of each
 * pauses. `null` disarms.
 */
export function armPausePoint(spec: string | null, waitMs: number): void {
  armed = spec
    ? spec
        .split(',')
        .filter(Boolean)
        .map((one) => ({ spec: one, waitMs, hit: false }))
    : [];
}

function matches(spec: string, name: string): boolean {
  return spec.endsWith('*') ? name.startsWith(spec.slice(0, -1)) : spec === name;
}

/**
 * Pauses here when this point is armed. The wait keeps the event loop running (open COPY data keeps
 * flowing to the server, connections stay open) and ends on SIGUSR2 or after the armed wait.
 */
export async function pausePoint(name: string): Promise<void> {
  const point = armed.find((a) => !a.hit && matches(a.spec, name));
  if (!point) return;
  point.hit = true;
  const waitMs = point.waitMs;
  await new Promise<void>((resolve) => {
    // A ref'd timer: at a point where no connection is open yet, it is what keeps the process waiting.
    const timer = setTimeout(done, waitMs);
    function done() {
      clearTimeout(timer);
      process.removeListener('SIGUSR2', done);
      resolve();
    }
    // The listener first, the marker after: a test may signal the moment it reads the marker, and an
    // unheard SIGUSR2 would end the process.
    process.once('SIGUSR2', done);
    process.stderr.write(`${PAUSE_MARKER}${name} (pid ${process.pid})\n`);
  });
  process.stderr.write(`sqlite2pg-test: carrying on after ${name}\n`);
}
