// Sets each serial column's sequence past the largest key loaded — and past SQLite's AUTOINCREMENT
// high-water mark (sqlite_sequence), so keys the application handed out before are never reused.
import type pg from 'pg';
import type { TablePlan } from '../model/table-plan.js';
import { qualified, quoteIdent } from '../pg/quote.js';
import { pausePoint } from '../runtime/pause-points.js';

export interface SequenceSet {
  table: string;
  column: string;
  sequence: string | null;
  /** The value the next insert gets. */
  next: string | null;
}

/**
 * Sets the sequences; with `apply` false (a dry run) only says what it would set: setval is not
 * transactional, and a rolled-back run must leave every sequence as it was.
 */
export async function setSequences(
  client: pg.ClientBase,
  tables: readonly TablePlan[],
  apply = true,
): Promise<SequenceSet[]> {
  const out: SequenceSet[] = [];
  for (const t of tables) {
    for (const c of t.columns.filter((col) => col.serial)) {
      const table = qualified(t.target.schema, t.target.table);
      const seq = await client.query('SELECT pg_get_serial_sequence($1, $2) AS seq', [table, c.name]);
      const sequence = seq.rows[0].seq as string | null;
      if (!sequence) {
        out.push({ table: t.targetName, column: c.name, sequence: null, next: null });
        continue;
      }
      const floor = t.autoincrementSeq !== null ? t.autoincrementSeq.toString() : '0';
      const col = quoteIdent(c.name);
      // The last value handed out: the largest key loaded, or SQLite's AUTOINCREMENT high-water mark.
      const last = `GREATEST(COALESCE(max(${col}), 0), $2::bigint)`;
      const sql = apply
        ? `SELECT CASE WHEN ${last} > 0 THEN setval($1::regclass, ${last}, true) + 1 ELSE setval($1::regclass, 1, false) END AS next FROM ${table}`
        : `SELECT CASE WHEN ${last} > 0 THEN ${last} + 1 ELSE 1 END AS next FROM ${table} WHERE $1::regclass IS NOT NULL`;
      const r = await client.query(sql, [sequence, floor]);
      out.push({ table: t.targetName, column: c.name, sequence, next: String(r.rows[0].next) });
      await pausePoint(`sequences:${t.targetName}`); // setval is already done: it is not transactional
    }
  }
  return out;
}
