// Everything the verification of one table works from, gathered once: the plan, both sides' connections,
// the load's rejects and recorded changes, how rows are keyed, the --grace test, and the options.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../../model/table-plan.js';
import type { SourceSideOptions } from './source-side.js';
import { keyIndexes } from './source-side.js';
import { keyKindOf, type KeyKind } from './side-tally.js';
import { recentRowTest, type RecentTest } from './grace.js';
import type { OwnTargetReads, TargetTallier } from './target-tally.js';
import type { FirstLevelSpec } from './segments.js';
import type { SourceCounts } from './source-side.js';
import type { TallyState } from './side-tally.js';
import type { ProvedTally } from './source-tally.js';

/** Both sides as they are now, outside the snapshots verify reads. */
export interface FreshSides {
  /** A read-only connection to the table's source file that sees its latest committed state (null: none). */
  sourceDb(plan: TablePlan): Database.Database | null;
  /** Runs `fn` on a target connection outside the table's snapshot. */
  withClient<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  close(): void;
}

/**
 * Makes the source side's tally of a table where the file's snapshot is held (a source worker thread of
 * the run), from the same plan and ledger facts the main thread would use.
 */
export type SourceTallier = (
  plan: TablePlan,
  opts: SourceSideOptions,
  spec: FirstLevelSpec,
  cutoffMicros: number | null,
  onRows?: (rows: number) => void,
) => Promise<{ state: TallyState; counts: SourceCounts }>;

/**
 * The source side's tally made from this run's load of the table (the rows the feed read, in the source
 * worker), settled with the ledger's rejects and changes; null when there is none to use (not loaded by
 * this run's feed, or too many rejected or changed rows to settle by key).
 */
export type ProvedSource = (plan: TablePlan, opts: SourceSideOptions) => Promise<ProvedTally | null>;

/** The verification of one table works from this, built once by tableContext(). */
export interface TableContext {
  plan: TablePlan;
  /** The source file, read from the verify snapshot (one read transaction). */
  db: Database.Database | null;
  /** The streaming pass's source side, in the file's source worker. */
  sourceTally: SourceTallier;
  /**
   * migrate: the source side as the load read it, used when it matches the target (else, and where there is
   * none, the streaming pass reads the source again); null: always the streaming pass.
   */
  provedSource: ProvedSource | null;
  /** Told the source rows the streaming pass has read so far (progress). */
  onSourceRows?: (rows: number) => void;
  /** The target connection (in verify: one REPEATABLE READ snapshot for the whole table). */
  client: pg.ClientBase;
  source: SourceSideOptions;
  keyKind: KeyKind;
  keyIdx: number[];
  /** The target key is the source table's rowid: key ranges are then read by rowid on the SQLite side. */
  rowidKey: boolean;
  cutoffMicros: number | null;
  recent: RecentTest | null;
  /** The streaming pass's target side, tallied in the file's source worker. */
  targetTally: TargetTallier;
  /**
   * When the streaming pass's COPY may be read on a connection of the tallying worker's own instead of on
   * `client` (migrate's closing verify: `client` holds no transaction); null: on `client`.
   */
  ownTargetReads: OwnTargetReads | null;
  sampleRows: number;
  /** Where differing rows are read again before they are reported (null: they are reported at once). */
  fresh: FreshSides | null;
}

/**
 * True when the target key is the SQLite rowid: one integer key column taken from an `INTEGER PRIMARY
 * KEY` column of a rowid table (the rowid's alias), with no policy change recorded on it.
 */
export function keyIsRowid(plan: TablePlan, source: SourceSideOptions): boolean {
  if (!plan.hasRowid || plan.primaryKey.length !== 1 || keyKindOf(plan) !== 'integer') return false;
  const col = plan.columns.find((c) => c.name === plan.primaryKey[0])!;
  if (col.source.kind !== 'column' || col.emptyAsNull) return false;
  const name = col.source.name.toLowerCase();
  if (plan.sourceKey.length !== 1 || plan.sourceKey[0].toLowerCase() !== name) return false;
  if (
    plan.sourceColumns
      .find((c) => c.name.toLowerCase() === name)
      ?.declaredType.trim()
      .toUpperCase() !== 'INTEGER'
  )
    return false;
  for (const changed of source.changes.values()) if (changed.has(col.name)) return false;
  return true;
}

/** Completes a table's context: how its rows are keyed, whether the key is the rowid, the --grace test. */
export function tableContext(
  base: Pick<
    TableContext,
    'plan' | 'db' | 'sourceTally' | 'client' | 'source' | 'cutoffMicros' | 'targetTally' | 'sampleRows' | 'fresh'
  > &
    Partial<Pick<TableContext, 'ownTargetReads' | 'onSourceRows' | 'provedSource'>>,
): TableContext {
  return {
    ownTargetReads: null,
    provedSource: null,
    ...base,
    keyKind: keyKindOf(base.plan),
    keyIdx: keyIndexes(base.plan),
    rowidKey: keyIsRowid(base.plan, base.source),
    recent: recentRowTest(base.plan, base.cutoffMicros),
  };
}
