// Verify's source side of the streaming pass, run where the file's snapshot is (a source worker): the
// rows in the verifier's canonical form, hashed into the side's tally, returned as plain data.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../../model/table-plan.js';
import { tallySourceRows, type SourceCounts, type SourceSideOptions } from './source-side.js';
import { SideTally, type TallyState } from './side-tally.js';
import type { FirstLevelSpec } from './segments.js';
import { recentRowTest } from './grace.js';

/** The source side's tally of one table and the rows read (checksum-pass.ts asks for it through the worker). */
export async function sourceTally(
  db: Database.Database | null,
  plan: TablePlan,
  opts: SourceSideOptions,
  spec: FirstLevelSpec,
  cutoffMicros: number | null,
  onRows?: (rows: number) => void,
): Promise<{ state: TallyState; counts: SourceCounts }> {
  const counts: SourceCounts = { rows: 0, rejected: 0 };
  const tally = new SideTally(spec, recentRowTest(plan, cutoffMicros));
  await tallySourceRows(db, plan, opts, counts, tally, onRows);
  return { state: tally.state(), counts };
}
