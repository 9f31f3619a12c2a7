// Sets each serial column's sequence past the largest key loaded — and past SQLite's AUTOINCREMENT
// high-water mark (sqlite_sequence), so keys the application handed out before are never reused.
import type pg from 'pg';
import type { TablePlan } from '../plan/table-plan.js';
import { qualified, quoteIdent, quoteLiteral } from './quote.js';

export interface SequenceSet {
  table: string;
  column: string;
  sequence: string | null;
  /** The value the next insert gets. */
  next: string | null;
}

export async function setSequences(client: pg.ClientBase, tables: readonly TablePlan[]): Promise<SequenceSet[]> {
  const out: SequenceSet[] = [];
  for (const t of tables) {
    for (const c of t.columns.filter((col) => col.serial)) {
      const table = qualified(t.target.schema, t.target.table);
      const seq = await client.query(`SELECT pg_get_serial_sequence(${quoteLiteral(table)}, ${quoteLiteral(c.name)}) AS seq`);
      const sequence = seq.rows[0].seq as string | null;
      if (!sequence) {
        out.push({ table: t.targetName, column: c.name, sequence: null, next: null });
        continue;
      }
      const floor = t.autoincrementSeq !== null ? t.autoincrementSeq.toString() : '0';
      const r = await client.query(
        `SELECT setval($1::regclass, GREATEST(COALESCE(max(${quoteIdent(c.name)}), 0), $2::bigint, 1), (COALESCE(max(${quoteIdent(c.name)}), 0) > 0 OR $2::bigint > 0)) + 
           CASE WHEN COALESCE(max(${quoteIdent(c.name)}), 0) > 0 OR $2::bigint > 0 THEN 1 ELSE 0 END AS next FROM ${table}`,
        [sequence, floor],
      );
      out.push({ table: t.targetName, column: c.name, sequence, next: String(r.rows[0].next) });
    }
  }
  return out;
}
