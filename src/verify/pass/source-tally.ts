// Verify's source side of the streaming pass, run where the file's snapshot is (a source worker): the
// rows in the verifier's canonical form, hashed into the side's tally, returned as plain data. Or, for a
// table this run's load read, the tally made from the load's own pages of raw values (LoadTally), settled
// against the ledger's rejects and changes afterwards: one SQLite read instead of two.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../../model/table-plan.js';
import type { SqliteValue } from '../../model/sqlite-value.js';
import { rawKeyWidth } from '../../extract/read-rows.js';
import { ChecksumAccumulator, digestRowInto, digestWords, type AccumulatorState } from '../canonical/row-hash.js';
import {
  canonicalDigest,
  sharedRowFiller,
  sourceRowsByKey,
  tallySourceRows,
  type SourceCounts,
  type SourceSideOptions,
} from './source-side.js';
import { SideTally, subtractState, type TallyState } from './side-tally.js';
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

/** Nothing rejected, nothing changed: every row as the source holds it. */
const AS_READ: SourceSideOptions = { rejected: new Set(), changes: new Map() };

/** The source side proved from the load's read, settled: what tallySourceRows would have given (no --grace). */
export interface ProvedTally {
  acc: AccumulatorState;
  /** Rows compared holding a value the target type cannot hold. */
  invalid: number;
  counts: SourceCounts;
}

/**
 * Every row of a table the load read, in the verifier's canonical form, made from the raw source values
 * of each page the feed read (before the loader converted anything) and summed: rejects and policy
 * changes are not known yet, so every row counts until settle().
 */
export class LoadTally {
  rows = 0;
  invalid = 0;
  readonly acc = new ChecksumAccumulator();
  /** The feed read the whole table (a cancelled or failed feed's tally is never used). */
  complete = false;
  readonly #fill: ReturnType<typeof sharedRowFiller>;
  readonly #width: number;

  constructor(readonly plan: TablePlan) {
    this.#fill = sharedRowFiller(plan, AS_READ, false);
    this.#width = rawKeyWidth(plan);
  }

  addPage(page: readonly (readonly SqliteValue[])[]): void {
    for (const raw of page) {
      // The same canonical code as the separate pass, on the values after the key columns: one shared row,
      // its digest as words (no object per row).
      const row = this.#fill(raw, this.#width, undefined);
      this.rows++;
      if (row.invalid) this.invalid++;
      digestRowInto(row.values, row.invalid !== null, '', null, null, row.kinds, row.nums ?? null);
      this.acc.addWords(digestWords[0] >>> 0, digestWords[1] >>> 0, digestWords[2] >>> 0, digestWords[3] >>> 0);
    }
  }

  /**
   * The tally as the separate pass would make it with the ledger's facts: the rows the load rejected taken
   * out, the rows a policy changed swapped for their changed form, both read again by key on the same
   * snapshot (few rows; null when there are too many for that to be cheaper than the pass itself).
   */
  settle(db: Database.Database | null, opts: SourceSideOptions): ProvedTally | null {
    const changedOnly = [...opts.changes.keys()].filter((k) => !opts.rejected.has(k));
    if (opts.rejected.size + changedOnly.length > Math.max(1000, this.rows / 8)) return null;
    const removed = new ChecksumAccumulator();
    let invalid = this.invalid;
    let rejected = 0;
    // Keys found under a spelling the pass would not match are left alone, as the pass leaves them.
    for (const [key, row] of sourceRowsByKey(db, this.plan, AS_READ, [...opts.rejected, ...changedOnly])) {
      if (!opts.rejected.has(key) && !opts.changes.has(key)) continue;
      if (opts.rejected.has(key)) rejected++;
      removed.addDigest(canonicalDigest(row));
      if (row.invalid) invalid--;
    }
    const acc = ChecksumAccumulator.fromState(subtractState(this.acc.state(), removed.state()));
    for (const [key, row] of sourceRowsByKey(db, this.plan, opts, changedOnly)) {
      if (!opts.changes.has(key)) continue;
      acc.addDigest(canonicalDigest(row));
      if (row.invalid) invalid++;
    }
    return { acc: acc.state(), invalid, counts: { rows: this.rows, rejected } };
  }
}
