// What a sync reads from and writes into the ledger: the migrate each table descends from, the transactions
// whose rows are sqlite2pg's (by xmin), the rejects and policy changes carried forward under the sync's run
// id (so verify, which reads the latest load's records, stays exact), and the sync's own table record.
import type pg from 'pg';
import { latestLoads, type LatestLoad } from './ledger.js';

/** What the ledger knows of one table before a sync. */
export interface SyncBase {
  /** The newest committed load (a migrate or an earlier sync): its rejects and changes describe the table now. */
  latest: LatestLoad;
  /** The mapping hash of the migrate that loaded the table. */
  migrateMappingHash: string;
  /** Every transaction that wrote rows of the table for sqlite2pg (load_txid, sync writes): their rows' xmin. */
  writerTxids: string[];
}

/**
 * Per table, what a sync starts from; a table with no committed migrate load is absent (the caller refuses).
 * Dry runs and rolled-back runs do not count.
 */
export async function syncBases(client: pg.ClientBase, tables: string[]): Promise<Map<string, SyncBase>> {
  const latest = await latestLoads(client, tables);
  const migrated = await client.query(
    `SELECT DISTINCT ON (l.target_table) l.target_table, l.mapping_hash
       FROM sqlite2pg.table_loads l JOIN sqlite2pg.runs r USING (run_id)
      WHERE l.target_table = ANY($1) AND r.command = 'migrate' AND NOT r.dry_run AND r.status <> 'rolled back'
      ORDER BY l.target_table, l.finished_at DESC`,
    [tables],
  );
  const txids = await writerTxids(client, tables);
  const out = new Map<string, SyncBase>();
  for (const row of migrated.rows) {
    const load = latest.get(row.target_table as string);
    if (!load || load.mappingHash === 'rolled back') continue;
    out.set(row.target_table as string, {
      latest: load,
      migrateMappingHash: row.mapping_hash as string,
      writerTxids: txids.get(row.target_table as string) ?? [],
    });
  }
  return out;
}

/**
 * Per table, every transaction that wrote rows of it for sqlite2pg (migrate's load transactions, a sync's
 * transactions and savepoints), as text; a table none wrote is absent.
 */
export async function writerTxids(client: pg.ClientBase, tables: string[]): Promise<Map<string, string[]>> {
  const r = await client.query(
    `SELECT target_table, txid::text AS txid FROM (
        SELECT l.target_table, l.load_txid AS txid FROM sqlite2pg.table_loads l JOIN sqlite2pg.runs r USING (run_id)
         WHERE l.target_table = ANY($1) AND NOT r.dry_run AND r.status <> 'rolled back' AND r.command IN ('migrate', 'sync')
        UNION
        SELECT w.target_table, w.txid FROM sqlite2pg.table_writes w JOIN sqlite2pg.runs r USING (run_id)
         WHERE w.target_table = ANY($1) AND NOT r.dry_run) t
      WHERE txid IS NOT NULL`,
    [tables],
  );
  const out = new Map<string, string[]>();
  for (const row of r.rows) {
    const t = row.target_table as string;
    if (!out.has(t)) out.set(t, []);
    out.get(t)!.push(row.txid as string);
  }
  return out;
}

/** The SQL condition "sqlite2pg wrote this row": its xmin is one of the txids in parameter `param` (text[]). */
export function writtenBySqlite2pg(param: string): string {
  return `xmin::text::bigint = ANY (SELECT t::bigint % 4294967296 FROM unnest(${param}::text[]) AS t)`;
}

/**
 * Copies the earlier load's rejects and changes of rows this sync did not look at again (left for later by
 * --grace) under the sync's run id, so the sync's records are the whole of the table's; rows no longer in
 * the source are left behind.
 */
export async function carryForward(
  client: pg.ClientBase,
  from: { runId: string; table: string },
  runId: string,
  keep: readonly string[],
): Promise<void> {
  if (keep.length === 0) return;
  await client.query(
    `INSERT INTO sqlite2pg.rejects (run_id, source_file, source_table, source_rowid, target_table, column_name, reason_code, reason, original_row, rejected_at)
     SELECT $1, source_file, source_table, source_rowid, target_table, column_name, reason_code, reason, original_row, rejected_at
       FROM sqlite2pg.rejects WHERE run_id = $2 AND target_table = $3 AND source_rowid = ANY($4)`,
    [runId, from.runId, from.table, keep],
  );
  await client.query(
    `INSERT INTO sqlite2pg.changes (run_id, source_file, source_table, source_rowid, target_table, column_name, policy, reason_code, reason, original_value, new_value, changed_at)
     SELECT $1, source_file, source_table, source_rowid, target_table, column_name, policy, reason_code, reason, original_value, new_value, changed_at
       FROM sqlite2pg.changes WHERE run_id = $2 AND target_table = $3 AND source_rowid = ANY($4)`,
    [runId, from.runId, from.table, keep],
  );
}

/** The source keys of the earlier load's rejects and changes of a table (the rows a sync must account for). */
export async function recordedKeys(
  client: pg.ClientBase,
  runId: string,
  table: string,
): Promise<{ rejected: Set<string>; changed: Set<string> }> {
  const r = await client.query(
    `SELECT source_rowid, 'r' AS kind FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2
     UNION ALL SELECT DISTINCT source_rowid, 'c' FROM sqlite2pg.changes WHERE run_id = $1 AND target_table = $2`,
    [runId, table],
  );
  const rejected = new Set<string>();
  const changed = new Set<string>();
  for (const row of r.rows) (row.kind === 'r' ? rejected : changed).add(row.source_rowid as string);
  return { rejected, changed };
}

export interface SyncTableRecord {
  runId: string;
  targetTable: string;
  sourceFile: string;
  sourceTable: string;
  mappingHash: string;
  sourceRows: number;
  loadedRows: number;
  startedAt: Date;
  /** The xids of the savepoints rows were written in (their xmin), besides the transaction's own. */
  xids: string[];
  stageMs: Record<string, number>;
}

/**
 * In the table's sync transaction: the transaction as a writer of the table's rows, and the sync as the
 * table's latest load (its rejects and changes counted from what this run recorded). A second round over
 * the same table in one sync updates the record.
 */
export async function recordSyncTable(client: pg.ClientBase, r: SyncTableRecord): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.table_writes (run_id, target_table, txid)
     SELECT $1, $2, x FROM (SELECT txid_current() AS x UNION SELECT unnest($3::bigint[])) t`,
    [r.runId, r.targetTable, r.xids],
  );
  await client.query(
    `INSERT INTO sqlite2pg.table_loads (run_id, target_table, source_file, source_table, mapping_hash, source_rows, loaded_rows, rejected_rows, changed_values, started_at, stage_ms, load_txid)
     VALUES ($1, $2, $3, $4, $5, $6, $7,
       (SELECT count(*) FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2),
       (SELECT count(*) FROM sqlite2pg.changes WHERE run_id = $1 AND target_table = $2), $8, $9, txid_current())
     ON CONFLICT (run_id, target_table) DO UPDATE SET source_rows = EXCLUDED.source_rows, loaded_rows = EXCLUDED.loaded_rows,
       rejected_rows = EXCLUDED.rejected_rows, changed_values = EXCLUDED.changed_values, stage_ms = EXCLUDED.stage_ms,
       finished_at = now(), load_txid = EXCLUDED.load_txid`,
    [
      r.runId,
      r.targetTable,
      r.sourceFile,
      r.sourceTable,
      r.mappingHash,
      r.sourceRows,
      r.loadedRows,
      r.startedAt,
      JSON.stringify(r.stageMs),
    ],
  );
}

/** A second round of one sync over a table: this run's records of the rows it looks at again are replaced. */
export async function forgetKeys(client: pg.ClientBase, runId: string, table: string, keys: readonly string[]) {
  if (keys.length === 0) return;
  for (const t of ['sqlite2pg.rejects', 'sqlite2pg.changes'])
    await client.query(`DELETE FROM ${t} WHERE run_id = $1 AND target_table = $2 AND source_rowid = ANY($3)`, [
      runId,
      table,
      keys,
    ]);
}

/** Where a sync's reject or change record belongs. */
export interface RecordPlace {
  runId: string;
  sourceFile: string;
  sourceTable: string;
  targetTable: string;
}

/** A row a sync could not write, as sqlite2pg.rejects holds it (the whole source row as lossless JSON). */
export async function insertReject(
  client: pg.ClientBase,
  at: RecordPlace,
  r: { key: string; column: string | null; code: string; reason: string; row: string },
): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.rejects (run_id, source_file, source_table, source_rowid, target_table, column_name, reason_code, reason, original_row)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [at.runId, at.sourceFile, at.sourceTable, r.key, at.targetTable, r.column, r.code, r.reason, r.row],
  );
}

/** A value a mapping policy changed in a row a sync wrote, as sqlite2pg.changes holds it. */
export async function insertChange(
  client: pg.ClientBase,
  at: RecordPlace,
  c: {
    key: string;
    column: string;
    policy: string;
    code: string;
    reason: string;
    original: string;
    written: string | null;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.changes (run_id, source_file, source_table, source_rowid, target_table, column_name, policy, reason_code, reason, original_value, new_value)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      at.runId,
      at.sourceFile,
      at.sourceTable,
      c.key,
      at.targetTable,
      c.column,
      c.policy,
      c.code,
      c.reason,
      c.original,
      c.written,
    ],
  );
}
