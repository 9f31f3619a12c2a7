// The run report of the contract (--json, --report FILE), built from the per-table results.
import { unaccounted, type InventoryEntry } from './inventory-entry.js';

export type { InventoryEntry } from './inventory-entry.js';

/** ok: the target matches; differences: exit 1; failed: exit 3. */
export type RunStatus = 'ok' | 'differences' | 'failed';

/** One differing row, as the report lists it. */
export interface DifferenceSample {
  /**
   * The row's target key (canonical form; JSON for a composite key); tables without a key: `rowid N` or `ctid (p,n)`.
   */
  key: string;
  kind: 'missing' | 'extra' | 'changed';
  /** changed: the columns whose values differ. */
  columns?: string[];
  /**
   * changed: per differing column, the verifier's canonical value on each side (bytes as hex, long values
   * cut with their length given), and why the source value cannot be represented when that is the cause.
   */
  values?: { column: string; source: string | null; target: string | null; sourceInvalid?: string }[];
  /** The source row's identity (rowid or primary key), when it is not the key itself. */
  sourceKey?: string;
}

/** One way the target's structure differs from what the mapping and its DDL expect. */
export interface StructureProblem {
  /** `table`, `column x`, `primary key`, `unique u`, `foreign key f`, `index i`, `sequence of x`. */
  object: string;
  problem: 'missing' | 'extra' | 'different' | 'invalid' | 'behind';
  expected?: string;
  found?: string;
  /** A warning does not make the table differ (an index ported from SQLite that PostgreSQL refused). */
  severity?: 'warning';
}

/** How verify accounts for the rows it did not report as differences. */
export interface RowAccounting {
  /** Source rows the load rejected (in sqlite2pg.rejects): expected to be absent, not a difference. */
  rejected: number;
  /** Values the load changed by a mapping policy (in sqlite2pg.changes): expected as recorded. */
  policyChanges: number;
  /** Rows --grace left out, per side. */
  graceSource: number;
  graceTarget: number;
  /** Differences that settled: left out by --grace on one side only, or equal when read again. */
  inFlight: number;
  /** Rows read again before being reported, and rows reported without being read again (over the limit). */
  rechecked: number;
  recheckSkipped: number;
  /** Loaded rows holding a source value the verifier finds unrepresentable (counted as changed). */
  invalidLoaded: number;
}

/** One table of the report: the contract's fields first. */
export interface TableReport {
  source: string;
  target: string;
  sourceRows: number;
  loadedRows: number;
  rejectedRows: number;
  targetRows: number;
  checksum: { source: string | null; target: string | null; match: boolean };
  differences: { missing: number; extra: number; changed: number; samples: DifferenceSample[] };
  durationMs: number;
  /** Beyond the contract's fields: */
  changedValues?: number;
  rejectsByCode?: Record<string, number>;
  emptySource?: string | null;
  keptFromRun?: string | null;
  /** migrate: the COPY format the table was loaded in (null: not loaded by this run). */
  copyFormat?: 'binary' | 'text' | null;
  stagesMs?: Record<string, number>;
  /** Source rows --grace left out (also in accounting.graceSource). */
  excludedByGrace?: number;
  /** The table's verdict: match (checksums equal, or every difference settled as in flight) or differences. */
  status?: 'match' | 'differences';
  /** Structure problems (a difference too); empty when the structure is as expected. */
  structure?: StructureProblem[];
  accounting?: RowAccounting;
  /** Why the rows were not compared (the table or a column is missing from the target). */
  notCompared?: string;
}

/** The report of a run (the contract's `--json` output). */
export interface RunReport {
  command: string;
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  tables: TableReport[];
  totals: { sourceRows: number; loadedRows: number; rejectedRows: number; targetRows: number };
  /** Beyond the contract's fields: */
  target?: string;
  mode?: string;
  resumedFrom?: string | null;
  error?: string | null;
  warnings?: string[];
  /** migrate: the mapping's deliberate departures from the planned schema (relaxed constraints, wider types). */
  deviations?: string[];
  stagesMs?: Record<string, number>;
  sequences?: { table: string; column: string; next: string | null }[];
  /** verify --grace: the seconds given and the cutoff (rows at or after it were left out). */
  grace?: { seconds: number; cutoff: string } | null;
  /** Past verifications of this target, oldest first (html and markdown reports). */
  history?: HistoryPoint[];
  /** migrate --backup-dir: the copies the run loaded from, with their sha256 checksums. */
  backups?: { file: string; source: string; backup: string; bytes: number; sha256: string; takenAt: string }[];
  /**
   * Every object of every source file (tables, virtual and shadow tables, views, triggers, indexes, foreign keys) and
   * its fate.
   */
  inventory?: InventoryEntry[];
}

/** One past verification of the target, from the ledger (the HTML report's trend). */
export interface HistoryPoint {
  runId: string;
  command: string;
  at: string;
  status: string;
  tables: number;
  tablesWithDifferences: number;
  /** Missing + extra + changed rows over all tables. */
  differingRows: number;
  sourceRows: number;
  durationMs: number | null;
}

/** True when the table matches: its verdict (or, without one, its checksums) and no structure problem. */
export function tableOk(t: TableReport): boolean {
  return (
    (t.status ? t.status === 'match' : t.checksum.match) && !(t.structure ?? []).some((p) => p.severity !== 'warning')
  );
}

/** ok when every table matches and every source table's rows are accounted for; else differences. */
export function statusOf(tables: readonly TableReport[], inventory: readonly InventoryEntry[] | undefined): RunStatus {
  return tables.every(tableOk) && unaccounted(inventory).length === 0 ? 'ok' : 'differences';
}

/** The report's totals over its tables. */
export function totalsOf(tables: TableReport[]): RunReport['totals'] {
  const sum = (f: (t: TableReport) => number) => tables.reduce((a, t) => a + f(t), 0);
  return {
    sourceRows: sum((t) => t.sourceRows),
    loadedRows: sum((t) => t.loadedRows),
    rejectedRows: sum((t) => t.rejectedRows),
    targetRows: sum((t) => t.targetRows),
  };
}
