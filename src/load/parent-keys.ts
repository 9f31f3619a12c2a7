// Reads the keys of the tables a table's foreign keys reference, inside the table's load transaction,
// for the KeyGuard (which may run in another thread: the keys are returned as plain data).
import type pg from 'pg';
import { copyOut, CopyLines } from '../pg/copy-out.js';
import { rowCheckedForeignKeys } from '../plan/break-cycles.js';
import type { TablePlan } from '../model/table-plan.js';
import { INTEGER_TYPES, KEY_SEP, type DenseIntKeys, type ParentKeyData, type ParentKeys } from '../feed/key-guard.js';
import { qualified, quoteIdent } from '../pg/quote.js';

/** Streams a COPY's lines (one key each) to `add`. */
async function eachLine(client: pg.ClientBase, sql: string, add: (line: string) => void): Promise<void> {
  const lines = new CopyLines();
  for await (const chunk of client.query(copyOut(sql))) for (const line of lines.push(chunk as Buffer)) add(line);
  for (const line of lines.end()) add(line);
}

/**
 * Reads one referenced table's keys. Integer keys come through COPY: as bits over their range when the
 * range is at most 64 times their count (never larger than 8 bytes a key, and no sort on the server), else
 * into a sorted typed array sized by the count (8 bytes a key, no doubling and trimming copies); other
 * keys come as text.
 */
async function readParentKeys(
  client: pg.ClientBase,
  parent: string,
  columns: string[],
  integer: boolean,
): Promise<ParentKeyData> {
  const dot = parent.indexOf('.');
  const table = qualified(parent.slice(0, dot), parent.slice(dot + 1));
  const cols = columns.map(quoteIdent);
  const where = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  if (!integer) {
    const r = await client.query({
      text: `SELECT ${cols.map((c) => `${c}::text`).join(', ')} FROM ${table} WHERE ${where}`,
      rowMode: 'array',
    });
    return r.rows.map((row: string[]) => row.join(KEY_SEP));
  }
  const stats = (
    await client.query<{ n: string; lo: string | null; hi: string | null }>(
      `SELECT count(*) AS n, min(${cols[0]})::text AS lo, max(${cols[0]})::text AS hi FROM ${table} WHERE ${where}`,
    )
  ).rows[0];
  const count = Number(stats.n);
  const select = `SELECT ${cols[0]} FROM ${table} WHERE ${where}`;
  if (stats.lo !== null && stats.hi !== null && BigInt(stats.hi) - BigInt(stats.lo) < 64n * BigInt(count)) {
    return readDenseKeys(client, `COPY (${select}) TO STDOUT`, BigInt(stats.lo), BigInt(stats.hi));
  }
  let keys = new BigInt64Array(Math.max(1, count));
  let n = 0;
  await eachLine(client, `COPY (${select} ORDER BY 1) TO STDOUT`, (line) => {
    if (n === keys.length) {
      const grown = new BigInt64Array(keys.length * 2);
      grown.set(keys);
      keys = grown;
    }
    keys[n++] = BigInt(line);
  });
  return n === keys.length ? keys : keys.slice(0, n);
}

/** Dense integer keys as bits from `low`; a key outside low..high (a row added since the count) kept aside. */
export async function readDenseKeys(
  client: pg.ClientBase,
  sql: string,
  low: bigint,
  high: bigint,
): Promise<DenseIntKeys> {
  const bits = new Uint8Array(Number((high - low) / 8n) + 1);
  const outside: bigint[] = [];
  const set = (offset: number) => (bits[offset >>> 3] |= 1 << (offset & 7));
  const safe = low >= BigInt(Number.MIN_SAFE_INTEGER) && high <= BigInt(Number.MAX_SAFE_INTEGER);
  const lowN = Number(low);
  const highN = Number(high);
  await eachLine(client, sql, (line) => {
    if (safe) {
      // Within the safe range a key's text parses exactly as a double: no bigint per key.
      const k = Number(line);
      if (k >= lowN && k <= highN) return set(k - lowN);
    }
    const k = BigInt(line);
    if (k >= low && k <= high) set(Number(k - low));
    else outside.push(k);
  });
  return { low, bits, outside: BigInt64Array.from(outside.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) };
}

/**
 * The keys of every table `plan` references (not itself), read on the load's connection; foreign keys
 * that reference the same columns (knowledge_relationships' source_id and target_id) share one read.
 */
export async function readAllParentKeys(client: pg.ClientBase, plan: TablePlan): Promise<ParentKeys> {
  const byName: ParentKeys['byName'] = {};
  const read = new Map<string, ParentKeyData>();
  for (const fk of rowCheckedForeignKeys(plan)) {
    const integer =
      fk.columns.length === 1 && INTEGER_TYPES.has(plan.columns.find((c) => c.name === fk.columns[0])!.logical);
    const id = JSON.stringify([fk.references, fk.referencedColumns, integer]);
    let keys = read.get(id);
    if (!keys) read.set(id, (keys = await readParentKeys(client, fk.references, fk.referencedColumns, integer)));
    byName[fk.name] = keys;
  }
  return { byName };
}

/** The buffers of the integer keys, once each: handed to a source worker, not copied. */
export function parentKeyBuffers(parents: ParentKeys): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const keys of Object.values(parents.byName)) {
    if (keys instanceof BigInt64Array) out.add(keys.buffer as ArrayBuffer);
    else if (!Array.isArray(keys)) out.add(keys.bits.buffer as ArrayBuffer).add(keys.outside.buffer as ArrayBuffer);
  }
  return [...out];
}
