// The sqlite2pg schema in the target: runs, per-table loads (written in the same transaction as the
// data they describe, which is what makes --mode resume exact), rejects, policy changes, verifications.
import type pg from 'pg';

/**
 * Bumped when the ledger's own tables change shape (2: runs.backups, table_loads.load_txid; 3: run_lock;
 * 4: sync_baselines).
 */
export const LEDGER_VERSION = 4;

const LEDGER_DDL = `
CREATE SCHEMA IF NOT EXISTS sqlite2pg;
CREATE TABLE IF NOT EXISTS sqlite2pg.schema_version (
  mapping_name text NOT NULL,
  schema_version integer NOT NULL,
  mapping_hash text NOT NULL,
  ddl_sha256 text NOT NULL,
  ledger_version integer NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mapping_name, schema_version, ddl_sha256)
);
CREATE TABLE IF NOT EXISTS sqlite2pg.runs (
  run_id uuid PRIMARY KEY,
  command text NOT NULL,
  status text NOT NULL,
  mapping_name text,
  mapping_hash text,
  mode text,
  dry_run boolean NOT NULL DEFAULT false,
  resumed_from uuid,
  source_dir text,
  tool_version text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  created_objects jsonb NOT NULL DEFAULT '[]',
  report jsonb
);
CREATE TABLE IF NOT EXISTS sqlite2pg.table_loads (
  run_id uuid NOT NULL REFERENCES sqlite2pg.runs (run_id),
  target_table text NOT NULL,
  source_file text NOT NULL,
  source_table text NOT NULL,
  mapping_hash text NOT NULL,
  source_rows bigint NOT NULL,
  loaded_rows bigint NOT NULL,
  rejected_rows bigint NOT NULL,
  changed_values bigint NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  stage_ms jsonb,
  PRIMARY KEY (run_id, target_table)
);
CREATE TABLE IF NOT EXISTS sqlite2pg.rejects (
  id bigserial PRIMARY KEY,
  run_id uuid NOT NULL,
  source_file text NOT NULL,
  source_table text NOT NULL,
  source_rowid text NOT NULL,
  target_table text NOT NULL,
  column_name text,
  reason_code text NOT NULL,
  reason text NOT NULL,
  original_row jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rejects_run_table ON sqlite2pg.rejects (run_id, target_table);
CREATE TABLE IF NOT EXISTS sqlite2pg.changes (
  id bigserial PRIMARY KEY,
  run_id uuid NOT NULL,
  source_file text NOT NULL,
  source_table text NOT NULL,
  source_rowid text NOT NULL,
  target_table text NOT NULL,
  column_name text NOT NULL,
  policy text NOT NULL,
  reason_code text NOT NULL,
  reason text NOT NULL,
  original_value jsonb NOT NULL,
  new_value text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS changes_run_table ON sqlite2pg.changes (run_id, target_table);
-- Added after version 1, idempotently. A DO block, so a ledger that has them takes no table lock.
-- runs.backups: the --backup-dir copies (path, sha256) a run loaded from.
-- table_loads.load_txid: the load transaction's id (txid_current()); the rows it wrote carry it as xmin,
-- which is how rollback and --mode resume tell rows sqlite2pg loaded from rows written after.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'sqlite2pg.runs'::regclass AND attname = 'backups' AND NOT attisdropped) THEN
    ALTER TABLE sqlite2pg.runs ADD COLUMN backups jsonb;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'sqlite2pg.table_loads'::regclass AND attname = 'load_txid' AND NOT attisdropped) THEN
    ALTER TABLE sqlite2pg.table_loads ADD COLUMN load_txid bigint;
  END IF;
END $$;
-- The run lock's fence (run-lock.ts): one row, the run that last claimed the lock. Every commit of a run
-- checks, in its own transaction, that the row is still its own.
CREATE TABLE IF NOT EXISTS sqlite2pg.run_lock (
  id integer PRIMARY KEY CHECK (id = 1),
  token uuid NOT NULL,
  run_id uuid,
  command text NOT NULL,
  pid integer NOT NULL,
  claimed_at timestamptz NOT NULL
);
-- Every transaction in which a sync wrote a table's rows (sync-ledger.ts): with table_loads.load_txid, how
-- sync tells the rows sqlite2pg wrote (their xmin) from rows someone else wrote.
CREATE TABLE IF NOT EXISTS sqlite2pg.table_writes (
  run_id uuid NOT NULL REFERENCES sqlite2pg.runs (run_id),
  target_table text NOT NULL,
  txid bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
-- What the last sync knew of each table it left settled (sync-baseline.ts): the first-level segments' source
-- checksums and the target's fingerprint, so that the next sync reads only the segments that changed.
CREATE TABLE IF NOT EXISTS sqlite2pg.sync_baselines (
  target_table text PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES sqlite2pg.runs (run_id),
  mapping_hash text NOT NULL,
  segment_spec jsonb NOT NULL,
  source_digest text NOT NULL,
  source_rows bigint NOT NULL,
  segment_limbs bytea NOT NULL,
  segment_counts bytea NOT NULL,
  target_rows bigint NOT NULL,
  own_rows bigint NOT NULL,
  writers_sha256 text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sqlite2pg.verifications (
  run_id uuid NOT NULL REFERENCES sqlite2pg.runs (run_id),
  target_table text NOT NULL,
  source_table text NOT NULL,
  status text NOT NULL,
  source_rows bigint NOT NULL,
  target_rows bigint NOT NULL,
  rejected_rows bigint NOT NULL,
  source_checksum text,
  target_checksum text,
  missing bigint NOT NULL DEFAULT 0,
  extra bigint NOT NULL DEFAULT 0,
  changed bigint NOT NULL DEFAULT 0,
  samples jsonb NOT NULL DEFAULT '[]',
  verified_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, target_table)
);
`;

/** Key of the session advisory lock a migrate holds for its whole run. */
export const MIGRATE_LOCK_KEY = 1_395_069_673;
/** Key of the transaction lock that serialises creating the ledger (CREATE IF NOT EXISTS races otherwise). */
const LEDGER_DDL_LOCK_KEY = 1_395_069_674;

/** Creates the sqlite2pg schema and tables when missing. */
export async function ensureLedger(client: pg.ClientBase, inTransaction: boolean): Promise<void> {
  if (!inTransaction) await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${LEDGER_DDL_LOCK_KEY})`);
    await client.query(LEDGER_DDL);
    if (!inTransaction) await client.query('COMMIT');
  } catch (err) {
    if (!inTransaction) await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export async function ledgerExists(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query("SELECT to_regclass('sqlite2pg.runs') IS NOT NULL AS ok");
  return r.rows[0].ok as boolean;
}

export interface RunStart {
  runId: string;
  command: string;
  mappingName: string | null;
  mappingHash: string | null;
  mode: string | null;
  dryRun: boolean;
  resumedFrom: string | null;
  sourceDir: string | null;
  toolVersion: string;
}

export async function insertRun(client: pg.ClientBase, r: RunStart): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.runs (run_id, command, status, mapping_name, mapping_hash, mode, dry_run, resumed_from, source_dir, tool_version)
     VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9)`,
    [r.runId, r.command, r.mappingName, r.mappingHash, r.mode, r.dryRun, r.resumedFrom, r.sourceDir, r.toolVersion],
  );
}

/** Records how a run ended; only a run still 'running' (a rollback that marked it 'rolled back' stands). */
export async function finishRun(
  client: pg.ClientBase,
  runId: string,
  status: string,
  report: unknown,
  error: string | null,
): Promise<void> {
  await client.query(
    `UPDATE sqlite2pg.runs SET status = $2, finished_at = now(), report = $3, error = $4 WHERE run_id = $1 AND status = 'running'`,
    [runId, status, report === null ? null : JSON.stringify(report), error],
  );
}

/** Records the --backup-dir copies a run loads from (paths and sha256 checksums). */
export async function recordBackups(client: pg.ClientBase, runId: string, backups: unknown[]): Promise<void> {
  await client.query('UPDATE sqlite2pg.runs SET backups = $2 WHERE run_id = $1', [runId, JSON.stringify(backups)]);
}

/** Records objects (schemas, tables) this run created, so rollback removes only what it made. */
export async function recordCreatedObjects(
  client: pg.ClientBase,
  runId: string,
  objects: { kind: string; name: string }[],
): Promise<void> {
  if (objects.length === 0) return;
  await client.query('UPDATE sqlite2pg.runs SET created_objects = created_objects || $2::jsonb WHERE run_id = $1', [
    runId,
    JSON.stringify(objects),
  ]);
}

export interface TableLoadRecord {
  runId: string;
  targetTable: string;
  sourceFile: string;
  sourceTable: string;
  mappingHash: string;
  sourceRows: number;
  loadedRows: number;
  rejectedRows: number;
  changedValues: number;
  startedAt: Date;
  stageMs: Record<string, number>;
}

/** Written inside the table's load transaction: the load and its record commit together or not at all. */
export async function insertTableLoad(client: pg.ClientBase, r: TableLoadRecord): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.table_loads (run_id, target_table, source_file, source_table, mapping_hash, source_rows, loaded_rows, rejected_rows, changed_values, started_at, stage_ms, load_txid)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, txid_current())`,
    [
      r.runId,
      r.targetTable,
      r.sourceFile,
      r.sourceTable,
      r.mappingHash,
      r.sourceRows,
      r.loadedRows,
      r.rejectedRows,
      r.changedValues,
      r.startedAt,
      JSON.stringify(r.stageMs),
    ],
  );
}

export interface LatestLoad {
  runId: string;
  /** The load transaction's txid_current(): its rows' xmin (null in ledgers older than the column). */
  loadTxid: string | null;
  targetTable: string;
  mappingHash: string;
  sourceRows: number;
  loadedRows: number;
  rejectedRows: number;
  finishedAt: Date;
}

/** For each target table, the committed load that put its current rows there (the newest one). */
export async function latestLoads(
  client: pg.ClientBase,
  tables: string[],
  currentRunId: string | null = null,
): Promise<Map<string, LatestLoad>> {
  if (!(await ledgerExists(client))) return new Map();
  // to_jsonb(l) ->> 'load_txid': NULL rather than an error in a ledger made before the column (preflight reads it
  // before ensureLedger).
  const r = await client.query(
    `SELECT DISTINCT ON (l.target_table) l.run_id, to_jsonb(l) ->> 'load_txid' AS load_txid, l.target_table, l.mapping_hash, l.source_rows, l.loaded_rows, l.rejected_rows, l.finished_at
       FROM sqlite2pg.table_loads l JOIN sqlite2pg.runs r USING (run_id)
      WHERE l.target_table = ANY($1) AND (NOT r.dry_run OR l.run_id = $2) AND r.status <> 'rolled back'
      ORDER BY l.target_table, l.finished_at DESC`,
    [tables, currentRunId],
  );
  return new Map(
    r.rows.map((row) => [
      row.target_table as string,
      {
        runId: row.run_id as string,
        loadTxid: (row.load_txid as string | null) ?? null,
        targetTable: row.target_table as string,
        mappingHash: row.mapping_hash as string,
        sourceRows: Number(row.source_rows),
        loadedRows: Number(row.loaded_rows),
        rejectedRows: Number(row.rejected_rows),
        finishedAt: row.finished_at as Date,
      },
    ]),
  );
}

/** Source row keys that the load of `targetTable` in `runId` rejected. */
export async function rejectedKeys(client: pg.ClientBase, runId: string, targetTable: string): Promise<Set<string>> {
  const r = await client.query('SELECT source_rowid FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2', [
    runId,
    targetTable,
  ]);
  return new Set(r.rows.map((row) => row.source_rowid as string));
}

/** Recorded policy changes of that load: source key → column → the value written instead. */
export async function recordedChanges(
  client: pg.ClientBase,
  runId: string,
  targetTable: string,
): Promise<Map<string, Map<string, string | null>>> {
  const r = await client.query(
    'SELECT source_rowid, column_name, new_value FROM sqlite2pg.changes WHERE run_id = $1 AND target_table = $2',
    [runId, targetTable],
  );
  const out = new Map<string, Map<string, string | null>>();
  for (const row of r.rows) {
    const key = row.source_rowid as string;
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(row.column_name as string, row.new_value as string | null);
  }
  return out;
}

/** Records the DDL version applied for a mapping (once per distinct DDL). */
export async function recordSchemaVersion(
  client: pg.ClientBase,
  mappingName: string,
  schemaVersion: number,
  mappingHash: string,
  ddlSha: string,
): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.schema_version (mapping_name, schema_version, mapping_hash, ddl_sha256, ledger_version)
     VALUES ($1, $2, $3, $4, ${LEDGER_VERSION}) ON CONFLICT DO NOTHING`,
    [mappingName, schemaVersion, mappingHash, ddlSha],
  );
}
