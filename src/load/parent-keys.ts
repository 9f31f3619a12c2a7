// Reads the keys of the tables a table's foreign keys reference, inside the table's load transaction,
// for the KeyGuard (which may run in another thread: the keys are returned as plain data).
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TablePlan } from '../plan/table-plan.js';
import { INTEGER_TYPES, KEY_SEP, type ParentKeys } from './key-guard.js';
import { qualified, quoteIdent } from './quote.js';

/**
 * Reads one referenced table's keys. Integer keys stream through COPY into a sorted typed array
 * (8 bytes a key: a million-row parent costs 8 MB); other keys come as text.
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
  const stream = client.query(copyTo(`COPY (SELECT ${cols[0]} FROM ${table} WHERE ${where} ORDER BY 1) TO STDOUT`));
  let rest = '';
  let keys = new BigInt64Array(1024);
  let n = 0;
  for await (const chunk of stream) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (n === keys.length) {
        const grown = new BigInt64Array(keys.length * 2);
        grown.set(keys);
        keys = grown;
      }
      keys[n++] = BigInt(line);
    }
  }
  return keys.slice(0, n);
}

/** The keys of every table `plan` references (not itself), read on the load's connection. */
export async function readAllParentKeys(client: pg.ClientBase, plan: TablePlan): Promise<ParentKeys> {
  const byName: ParentKeys['byName'] = {};
  for (const fk of plan.foreignKeys) {
    if (fk.references === plan.targetName) continue;
    const integer = fk.columns.length === 1 && INTEGER_TYPES.has(plan.columns.find((c) => c.name === fk.columns[0])!.logical);
    byName[fk.name] = await readParentKeys(client, fk.references, fk.referencedColumns, integer);
  }
  return { byName };
}
