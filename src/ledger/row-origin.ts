// Tells rows a sqlite2pg load wrote from rows written after it (a dual-writing application, a person):
// every row a load's transaction inserted carries that transaction's id as its xmin, and keeps it until
// the row is updated or deleted (freezing keeps it too, since PostgreSQL 9.4). The ledger records each
// load's txid_current() (sqlite2pg.table_loads.load_txid).
// https://www.postgresql.org/docs/current/ddl-system-columns.html
import type pg from 'pg';
import { qualified } from '../pg/quote.js';

/** xmin is the low 32 bits of a txid; once 2^31 transactions have passed, the same xmin may come back. */
const XID_HORIZON = 2n ** 31n;

/**
 * The SQL condition "this row was written by the load with txid `$n`": rows inserted by that
 * transaction and not updated since.
 */
export function fromLoadCondition(param: string): string {
  return `xmin::text::bigint = (${param}::bigint % 4294967296)`;
}

/**
 * True when rows of a load with `txid` can still be told apart by xmin: the txid is known and fewer than
 * 2^31 transactions old (older, a 32-bit xmin could belong to a later transaction).
 */
export async function canTellRowsOf(client: pg.ClientBase, txid: string | null): Promise<boolean> {
  if (txid === null) return false;
  // The snapshot's xmax: the next txid, read without giving this transaction an id of its own.
  const r = await client.query('SELECT txid_snapshot_xmax(txid_current_snapshot())::text AS next');
  return BigInt(r.rows[0].next as string) - BigInt(txid) < XID_HORIZON;
}

/** Counts the rows of `schema.table` that the load with `txid` wrote, and the others. */
export async function rowOrigins(
  client: pg.ClientBase,
  schema: string,
  table: string,
  txid: string,
): Promise<{ loaded: number; others: number }> {
  const r = await client.query(
    `SELECT count(*) FILTER (WHERE ${fromLoadCondition('$1')})::bigint AS loaded, count(*) FILTER (WHERE NOT (${fromLoadCondition('$1')}))::bigint AS others FROM ${qualified(schema, table)}`,
    [txid],
  );
  return { loaded: Number(r.rows[0].loaded), others: Number(r.rows[0].others) };
}
