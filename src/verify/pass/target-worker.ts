// A worker thread that turns one table's COPY output into the target side's tally (canonical form, row
// hashes, checksum), so that the main thread can make the source side canonical at the same time.
import { parentPort } from 'node:worker_threads';
import type { TablePlan } from '../../model/table-plan.js';
import { targetCopyLines, targetLineTallier } from './target-side.js';
import { CopyLines } from '../../pg/copy-out.js';
import { SideTally } from './side-tally.js';
import type { FirstLevelSpec } from './segments.js';
import { recentRowTest } from './grace.js';

/** Messages from the main thread: a job is `start`, its chunks, then `end`. */
export type TallyRequest =
  | { type: 'start'; plan: TablePlan; cutoffMicros: number | null; spec: FirstLevelSpec }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' };

interface Job {
  lines: CopyLines;
  tallyLines: ReturnType<typeof targetLineTallier>;
  tally: SideTally;
}

let job: Job | null = null;

function handle(m: TallyRequest): void {
  if (m.type === 'start') {
    job = { lines: targetCopyLines(m.plan), tallyLines: targetLineTallier(m.plan), tally: new SideTally(m.spec, recentRowTest(m.plan, m.cutoffMicros)) };
    return;
  }
  if (!job) return; // the job failed already: its remaining chunks are dropped
  const lines = m.type === 'chunk' ? job.lines.push(m.data) : job.lines.end();
  job.tallyLines(lines, job.tally);
  if (m.type === 'chunk') {
    parentPort!.postMessage({ type: 'ack' });
  } else {
    parentPort!.postMessage({ type: 'done', state: job.tally.state() });
    job = null;
  }
}

parentPort!.on('message', (m: TallyRequest) => {
  try {
    handle(m);
  } catch (err) {
    job = null;
    parentPort!.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
