// Removes what one migrate run loaded, in one transaction: its rows (those its load transactions wrote,
// told apart by xmin from rows written after), then the tables and schemas it created when they hold
// nothing else. Rows written by anyone else, tables and schemas it did not create, sequences, the
// ledger itself and the SQLite sources are never touched.
import type pg from 'pg';
import { attempt } from '../pg/savepoint.js';
import { TargetRefusedError } from '../model/errors.js';
import { latestLoads } from './ledger.js';
import { quoteIdent, qualified } from '../pg/quote.js';
import { canTellRowsOf, fromLoadCondition, rowOrigins } from './row-origin.js';

/** What rollback did to one table the run loaded or created. */
export interface RolledBackTable {
  table: string;
  /**
   * What happened to it: its rows removed (and the table dropped when the run created it and it is now empty), or why
   * not.
   */
  action: 'rows removed' | 'dropped' | 'superseded' | 'missing';
  removedRows: number;
  /** Rows left in place: written after the load (by an application, a person), or loaded by a later run. */
  keptRows: number;
  note?: string;
}

/** Everything one rollback did and left, as its report lists it. */
export interface RollbackOutcome {
  tables: RolledBackTable[];
  droppedSchemas: string[];
  /** Objects the run created that stay, with the reason. */
  kept: { kind: string; name: string; reason: string }[];
}

interface RunRow {
  run_id: string;
  created_objects: { kind: string; name: string }[];
}

interface Located {
  name: string;
  schema: string;
  table: string;
}

/** Finds `schema.table` as the ledger names it (split at no particular dot: names may hold dots). */
async function locate(client: pg.ClientBase, name: string, relkinds: string[] = ['r', 'p']): Promise<Located | null> {
  const r = await client.query(
    `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname || '.' || c.relname = $1 AND c.relkind = ANY($2)`,
    [name, relkinds],
  );
  return r.rows.length === 1 ? { name, schema: r.rows[0].nspname, table: r.rows[0].relname } : null;
}

/** Orders tables so that a table comes before every table it references (children first). */
async function childrenFirst<T extends Located>(client: pg.ClientBase, tables: T[]): Promise<T[]> {
  const r = await client.query(
    `SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE k.contype = 'f' AND k.conrelid <> k.confrelid`,
  );
  const names = new Set(tables.map((t) => t.name));
  const childrenOf = new Map<string, string[]>();
  for (const row of r.rows)
    if (names.has(row.child) && names.has(row.parent))
      childrenOf.set(row.parent, [...(childrenOf.get(row.parent) ?? []), row.child]);
  // A depth-first walk that places each table after the tables referencing it (its children).
  const out: T[] = [];
  const placed = new Set<string>();
  const visit = (t: T, path: Set<string>) => {
    if (placed.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const child of childrenOf.get(t.name) ?? [])
      visit(
        tables.find((x) => x.name === child)!,
        path,
      );
    placed.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

/**
 * Rolls back `run` inside the caller's transaction. Refuses (exit 2, the caller rolls back: nothing
 * changed) when rows of a table cannot be told apart, or when rows written after the load reference
 * rows it loaded.
 */
export async function rollbackRun(client: pg.ClientBase, run: RunRow): Promise<RollbackOutcome> {
  const loads = await client.query(
    'SELECT target_table, to_jsonb(l) ->> $2 AS load_txid FROM sqlite2pg.table_loads l WHERE run_id = $1 ORDER BY target_table',
    [run.run_id, 'load_txid'],
  );
  const names: string[] = loads.rows.map((r) => r.target_table);
  const latest = await latestLoads(client, names);
  const tables: RolledBackTable[] = [];
  const mine: (Located & { txid: string })[] = [];
  for (const row of loads.rows) {
    const name = row.target_table as string;
    if (latest.get(name)?.runId !== run.run_id) {
      tables.push({
        table: name,
        action: 'superseded',
        removedRows: 0,
        keptRows: 0,
        note: `a later run (${latest.get(name)?.runId ?? 'unknown'}) loaded it again: this run's rows are no longer there`,
      });
      continue;
    }
    const at = await locate(client, name);
    if (!at) {
      tables.push({ table: name, action: 'missing', removedRows: 0, keptRows: 0, note: 'the table no longer exists' });
      continue;
    }
    if (!(await canTellRowsOf(client, row.load_txid))) {
      throw new TargetRefusedError(
        `cannot tell the rows run ${run.run_id} loaded into ${name} from rows written after (${row.load_txid === null ? 'the ledger predates load transaction ids' : 'the load is more than 2^31 transactions old'}); nothing was rolled back`,
      );
    }
    mine.push({ ...at, txid: row.load_txid });
  }

  for (const t of await childrenFirst(client, mine)) {
    const before = await rowOrigins(client, t.schema, t.table, t.txid);
    try {
      await client.query(`DELETE FROM ${qualified(t.schema, t.table)} WHERE ${fromLoadCondition('$1')}`, [t.txid]);
    } catch (err) {
      const e = err as { code?: string; message: string; detail?: string };
      if (e.code !== '23503') throw err;
      throw new TargetRefusedError(
        `rows written after run ${run.run_id} reference rows it loaded into ${t.name} (${e.detail ?? e.message}); nothing was rolled back: remove or repoint those rows first`,
      );
    }
    tables.push({
      table: t.name,
      action: 'rows removed',
      removedRows: before.loaded,
      keptRows: before.others,
      ...(before.others > 0
        ? { note: `${before.others} rows written after the load were kept (and the table with them)` }
        : {}),
    });
  }

  // Tables and schemas the run created go when they hold nothing else; PostgreSQL refuses to drop one
  // another object still depends on, and then it stays.
  const kept: RollbackOutcome['kept'] = [];
  // Views the run created go first (they depend on its tables), the last made first (one may read another).
  for (const o of run.created_objects.filter((x) => x.kind === 'view').reverse()) {
    // Found by its whole name: a schema may hold a dot.
    const at = await locate(client, o.name, ['v']);
    if (at) await client.query(`DROP VIEW ${qualified(at.schema, at.table)}`);
  }
  const createdTables: Located[] = [];
  for (const o of run.created_objects.filter((x) => x.kind === 'table')) {
    const at = await locate(client, o.name);
    if (at) createdTables.push(at);
  }
  for (const t of await childrenFirst(client, createdTables)) {
    const rows = await client.query(`SELECT EXISTS (SELECT 1 FROM ${qualified(t.schema, t.table)}) AS any`);
    if (rows.rows[0].any) {
      kept.push({ kind: 'table', name: t.name, reason: 'it holds rows this run did not load' });
      continue;
    }
    const refused = (await attempt(client, `DROP TABLE ${qualified(t.schema, t.table)}`))?.message ?? null;
    if (refused) {
      kept.push({ kind: 'table', name: t.name, reason: refused });
      continue;
    }
    const entry = tables.find((x) => x.table === t.name);
    if (entry && entry.action === 'rows removed') entry.action = 'dropped';
    else tables.push({ table: t.name, action: 'dropped', removedRows: 0, keptRows: 0 });
  }
  const droppedSchemas: string[] = [];
  for (const o of run.created_objects.filter((x) => x.kind === 'schema' && x.name !== 'sqlite2pg')) {
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [o.name]);
    if (exists.rows.length === 0) continue;
    const refused = (await attempt(client, `DROP SCHEMA ${quoteIdent(o.name)}`))?.message ?? null;
    if (refused) kept.push({ kind: 'schema', name: o.name, reason: 'it holds objects this run did not create' });
    else droppedSchemas.push(o.name);
  }
  return { tables, droppedSchemas, kept };
}
