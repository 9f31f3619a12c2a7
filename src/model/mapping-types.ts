// The mapping file's shape: which SQLite file/table/column goes to which PostgreSQL table/column, and how.
// It is data (JSON), validated by load-mapping.ts, and turned into TablePlans by plan/build-plan.ts.

/** What to do with a value that cannot be represented exactly in its target column. */
export type ValuePolicy = 'reject' | 'null' | 'default' | 'strip';

/** A PostgreSQL column type the mapping may name (lower case, as PostgreSQL spells it). */
export type TargetType =
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'real'
  | 'double precision'
  | 'numeric'
  | 'text'
  | 'boolean'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'jsonb'
  | 'json'
  | 'bytea';

export interface MappingColumn {
  /** Target column name (created and quoted exactly as written). */
  name: string;
  type: TargetType;
  /** Source column this one takes its value from (matched by name, case-insensitively as SQLite does). */
  from?: string;
  /** A SQLite SQL expression over the source row, evaluated by SQLite, for a target column without a source. */
  expr?: string;
  /** A constant for a target column without a source (`null` writes NULL explicitly, so no default is invented). */
  value?: string | number | boolean | null;
  nullable?: boolean;
  /** Column default, as SQL (used by the DDL and by the `default` policy). */
  default?: string;
  /** A `bigserial`-style key: a sequence is created and set past the largest loaded key. */
  serial?: boolean;
  /** What to do with a value the target type cannot hold exactly; default `reject`. Each applied change is recorded. */
  policy?: ValuePolicy;
  /**
   * Time zone (IANA name) of naive local timestamps with a `T` separator (Python isoformat) in this column;
   * they are converted to UTC. Values written by SQLite's CURRENT_TIMESTAMP (space separator) are UTC already.
   * Absent: every timestamp is stored as written, no shift.
   */
  localTimeZone?: string;
  /** Write an empty string as NULL (a recorded change). Default false: '' is copied as ''. */
  emptyAsNull?: boolean;
  /** Why this column differs from the plan; shown by `plan` and collected into docs. */
  note?: string;
  /** Why this type was chosen (written by `init`: declared type, stored values); shown by `plan`. */
  reason?: string;
  /**
   * The PostgreSQL collation of a text column (`COLLATE "…"` in the DDL); `init` writes "C" (byte order, as
   * SQLite's BINARY) where SQLite names another collation. Absent: the database's default.
   */
  collation?: string;
}

/** What PostgreSQL does to referencing rows when the referenced row is deleted or its key updated. */
export type ForeignKeyAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

export interface MappingForeignKey {
  name?: string;
  columns: string[];
  /** Target table, `schema.table`. */
  references: string;
  referencedColumns: string[];
  /** Default NO ACTION. */
  onDelete?: ForeignKeyAction;
  /** Default NO ACTION. */
  onUpdate?: ForeignKeyAction;
}

export interface MappingIndex {
  name: string;
  /** Plain key columns (target names); an index has these or `expressions`. */
  columns?: string[];
  /**
   * Key expressions, PostgreSQL SQL over the target's columns (an expression index; `init` translates
   * SQLite's). Created after the load; one PostgreSQL refuses is a warning of the run, not a failure.
   */
  expressions?: string[];
  /** A partial index's predicate, PostgreSQL SQL over the target's columns; refused: a warning, as above. */
  where?: string;
  unique?: boolean;
}

export interface MappingTable {
  /** Source table name in the SQLite file. */
  source: string;
  /** Target table name (the source entry's schema applies). */
  target: string;
  columns: MappingColumn[];
  /** Source columns deliberately left behind; any other unmapped source column is a plan error. */
  drop?: string[];
  primaryKey?: string[];
  unique?: { name?: string; columns: string[] }[];
  foreignKeys?: MappingForeignKey[];
  indexes?: MappingIndex[];
  /** Target timestamp columns that say when a row was written (used by `verify --grace`). */
  timestampColumns?: string[];
  note?: string;
  /** PostgreSQL full-text search over text columns (`init --fts`): a generated tsvector column with a GIN index. */
  fullText?: MappingFullText;
}

/** A generated `tsvector` column over text columns of the table, and the GIN index on it. */
export interface MappingFullText {
  /** The generated column's name (not a source column: the DDL computes it). */
  column: string;
  /** Target text columns it covers, concatenated in this order. */
  columns: string[];
  /** The text search configuration (`simple`, `english`, …). */
  language: string;
  /** The GIN index's name. */
  index: string;
}

export interface MappingSource {
  /** File name, found in --source-dir. */
  file: string;
  /** Target PostgreSQL schema for this file's tables. */
  schema: string;
  tables: MappingTable[];
  /**
   * Source tables deliberately not migrated, by name — alone, or with the reason (`init` writes the reason).
   * Their rows are reported as excluded, with their count. SQLite's own tables (sqlite_*) need no entry.
   */
  skipTables?: (string | SkippedTable)[];
  /**
   * Glob patterns (`*`, `?`, `[…]`, case-insensitive) over source table names: only matching tables are
   * migrated. Absent: every table. Tables left out this way need no `skipTables` entry.
   */
  include?: string[];
  /** Glob patterns over source table names never migrated, even when mapped or included. */
  exclude?: string[];
  /**
   * Views created after the tables (in this source's schema): PostgreSQL SQL, `init` translates SQLite's.
   * One PostgreSQL refuses is a warning of the run; when `required`, the run exits 1.
   */
  views?: MappingView[];
  /** What the file holds that is not migrated (views, triggers, …), with why: written by `init`, shown by `plan`. */
  notMigrated?: NotMigrated[];
}

export interface MappingView {
  /** Target view name (the source entry's schema applies). */
  name: string;
  /** The view's SELECT, PostgreSQL SQL over the target's tables. */
  sql: string;
  required?: boolean;
}

/** A table left out on purpose, with why. */
export interface SkippedTable {
  table: string;
  reason?: string;
}

/** A source's skipTables entries, each as `{ table, reason }` (reason null when the mapping gives none). */
export function skippedTables(s: Pick<MappingSource, 'skipTables'>): { table: string; reason: string | null }[] {
  return (s.skipTables ?? []).map((x) =>
    typeof x === 'string' ? { table: x, reason: null } : { table: x.table, reason: x.reason ?? null },
  );
}

/** Kinds of schema objects a mapping can list as not migrated. */
export const NOT_MIGRATED_KINDS = [
  'view',
  'trigger',
  'virtual table',
  'table',
  'index',
  'unique constraint',
  'foreign key',
  'check constraint',
  'collation',
  'default',
] as const;

/** A schema object of the source left behind on purpose, with the reason and its SQL to re-create it by hand. */
export interface NotMigrated {
  kind: (typeof NOT_MIGRATED_KINDS)[number];
  name: string;
  /** The table it belongs to (triggers, indexes, constraints). */
  table?: string;
  reason: string;
  sql?: string;
}

export interface Mapping {
  /** Format version of the mapping file. */
  version: 1;
  name: string;
  /** Schema version of the target DDL this mapping produces, recorded in sqlite2pg.schema_version. */
  schemaVersion: number;
  sources: MappingSource[];
  /** Notes on deviations from an original plan, one per line (shown by `plan`, listed in docs). */
  deviations?: string[];
}
