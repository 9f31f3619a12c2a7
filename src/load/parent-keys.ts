// Reads the keys of the tables a table's foreign keys reference, inside the table's load transaction,
// for the KeyGuard (which may run in another thread: the keys are returned as plain data).
import type pg from 'pg';
import { copyOut, CopyLines } from './copy-out.js';
import type { TablePlan } from '../plan/table-plan.js';
import { INTEGER_TYPES, KEY_SEP, type ParentKeys } from './key-guard.js';
import { qualified, quoteIdent } from './quote.js';

/**
 * Reads one referenced table's keys. Integer keys stream through COPY into a sorted typed array sized by
 * a count first (8 bytes a key, and no doubling and trimming copies: a million-row parent costs 8 MB);
 * other keys come as text.
 */
async function readParentKeys(client: pg.ClientBase, parent: string, columns: string[], integer: boolean): Promise<BigInt64Array | string[]> {
  const dot = parent.indexOf('.');
  const table = qualified(parent.slice(0, dot), parent.slice(dot + 1));
  const cols = columns.map(quoteIdent);
  const where = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  if (!integer) {
    const r = await client.query({ text: `SELECT ${cols.map((c) => `${c}::text`).join(', ')} FROM ${table} WHERE ${where}`, rowMode: 'array' });
    return r.rows.map((row: string[]) => row.join(KEY_SEP));
  }
  const count = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`);
  const stream = client.query(copyOut(`COPY (SELECT ${cols[0]} FROM ${table} WHERE ${where} ORDER BY 1) TO STDOUT`));
  const lines = new CopyLines();
  let keys = new BigInt64Array(Math.max(1, Number(count.rows[0].n)));
  let n = 0;
  const add = (line: string) => {
    if (n === keys.length) {
      const grown = new BigInt64Array(keys.length * 2);
      grown.set(keys);
      keys = grown;
    }
    keys[n++] = BigInt(line);
  };
  for await (const chunk of stream) for (const line of lines.push(chunk)) add(line);
  for (const line of lines.end()) add(line);
  return n === keys.length ? keys : keys.slice(0, n);
}

/**
 * The keys of every table `plan` references (not itself), read on the load's connection; foreign keys
 * that reference the same columns (knowledge_relationships' source_id and target_id) share one read.
 */
export async function readAllParentKeys(client: pg.ClientBase, plan: TablePlan): Promise<ParentKeys> {
  const byName: ParentKeys['byName'] = {};
  const read = new Map<string, BigInt64Array | string[]>();
  for (const fk of plan.foreignKeys) {
    if (fk.references === plan.targetName) continue;
    const integer = fk.columns.length === 1 && INTEGER_TYPES.has(plan.columns.find((c) => c.name === fk.columns[0])!.logical);
    const id = JSON.stringify([fk.references, fk.referencedColumns, integer]);
    let keys = read.get(id);
    if (!keys) read.set(id, (keys = await readParentKeys(client, fk.references, fk.referencedColumns, integer)));
    byName[fk.name] = keys;
  }
  return { byName };
}

/** The buffers of the integer key arrays, once each: handed to a source worker, not copied. */
export function parentKeyBuffers(parents: ParentKeys): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const keys of Object.values(parents.byName)) if (keys instanceof BigInt64Array) out.add(keys.buffer as ArrayBuffer);
  return [...out];
}
