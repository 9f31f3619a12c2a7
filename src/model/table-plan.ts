// The TablePlan: built once from the mapping and the SQLite file's real shape, frozen,
// and handed through extract → transform → load → verify. `sqlite2pg plan --json` prints it.
import type { LogicalType } from './logical-type.js';
import type { InventoryEntry } from './inventory-entry.js';
import type {
  MappingForeignKey,
  MappingFullText,
  MappingIndex,
  NotMigrated,
  TargetType,
  ValuePolicy,
} from './mapping-types.js';

/** Where a target column's value comes from. */
export type ColumnSource =
  | { kind: 'column'; name: string; declaredType: string }
  | { kind: 'expr'; sql: string }
  | { kind: 'const'; value: string | number | boolean | null };

export interface ColumnPlan {
  /** Target column name. */
  name: string;
  targetType: TargetType;
  logical: LogicalType;
  source: ColumnSource;
  nullable: boolean;
  default: string | null;
  serial: boolean;
  policy: ValuePolicy;
  localTimeZone: string | null;
  emptyAsNull: boolean;
  /**
   * Position of this column's value in the extracted row values (sourceColumns, then sourceExprs); -1 for a constant.
   */
  extractIndex: number;
  /** Why this type (the mapping's `reason`, written by `init`), if given. */
  reason?: string | null;
  /** The mapping's `note` for the column, if any. */
  note?: string | null;
  /** The target column's collation (text columns), when the mapping names one. */
  collation?: string;
}

export interface SourceRef {
  /** File name as the mapping names it. */
  file: string;
  /** Absolute path of the file. */
  path: string;
  table: string;
}

export interface TargetRef {
  schema: string;
  table: string;
}

export interface TablePlan {
  /** `file:table`, the name the report uses for the source. */
  sourceName: string;
  /** `schema.table`, the name the report uses for the target. */
  targetName: string;
  source: SourceRef;
  target: TargetRef;
  /** False when the file is empty (0 bytes): an empty source (a mapped table the file lacks is refused). */
  sourceExists: boolean;
  /** Why the source is empty, when it is. */
  emptyReason: string | null;
  /** True when the table has a rowid (not WITHOUT ROWID); rows are then read in rowid order. */
  hasRowid: boolean;
  /** Source columns that identify a row when there is no rowid (the SQLite primary key). */
  sourceKey: string[];
  /** Every column of the source table, in the file's order: all are read, so a reject keeps the whole row. */
  sourceColumns: { name: string; declaredType: string }[];
  /** SQLite expressions evaluated per row for derived target columns, read after the source columns. */
  sourceExprs: string[];
  columns: ColumnPlan[];
  /** Source columns the mapping drops on purpose. */
  dropped: string[];
  primaryKey: string[];
  unique: { name: string; columns: string[] }[];
  /**
   * `deferred`: it closes a cycle of foreign keys (plan/break-cycles.ts): added after every table loads, never
   * row-checked.
   */
  foreignKeys: (MappingForeignKey & { name: string; deferred?: boolean })[];
  /** Indexes after the load; `ported` ones (expressions or a WHERE) are created best-effort: a refusal is a warning. */
  indexes: PlanIndex[];
  timestampColumns: string[];
  /** Target tables this one references: loaded first. */
  dependsOn: string[];
  /** Highest value SQLite's AUTOINCREMENT handed out (sqlite_sequence), if any: sequences go past it too. */
  autoincrementSeq: bigint | null;
  warnings: string[];
  note: string | null;
  /** A generated tsvector column with a GIN index (the mapping's `fullText`), if any. */
  fullText?: MappingFullText;
}

/** One index of the plan: plain columns, or key expressions, maybe with a predicate. */
export interface PlanIndex {
  name: string;
  columns: string[];
  expressions: string[] | null;
  where: string | null;
  unique: boolean;
  /** Expressions or a predicate: SQL PostgreSQL may refuse (translated by init, or written by hand). */
  ported: boolean;
}

/** Everything a run works from: the table plans in load order, plus the mapping's identity. */
export interface RunPlan {
  mappingName: string;
  mappingHash: string;
  schemaVersion: number;
  sourceDir: string;
  files: { file: string; path: string; state: 'ok' | 'empty' }[];
  tables: TablePlan[];
  schemas: string[];
  deviations: string[];
  /** Source tables the mapping's include/exclude patterns leave out (`file:table`). */
  excluded?: string[];
  /** Schema objects of the sources listed as not migrated (the mapping's `notMigrated`). */
  notMigrated?: (NotMigrated & { file: string })[];
  /** Views created after the tables, in mapping order. */
  views: PlanView[];
  /** Every object of every source file and what the mapping makes of it (row counts of tables it does not load). */
  inventory?: InventoryEntry[];
}

/** One view of the mapping, in the schema of its source. */
export interface PlanView {
  file: string;
  schema: string;
  name: string;
  sql: string;
  required: boolean;
}
