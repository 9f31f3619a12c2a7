// A dry run's transaction is rolled back, but nextval() is not transactional: the rows a dry run writes
// into the ledger's tables with serial ids (sqlite2pg.rejects, sqlite2pg.changes) would move their
// sequences for good. So a dry run notes those sequences first and puts each back after its ROLLBACK.
// Only the ledger's: the run lock keeps every other writer of them away, while an application may be
// using the sequences of the data tables (which a dry run never moves: setSequences only reports).
// https://www.postgresql.org/docs/current/functions-sequence.html ("never rolled back")
import type pg from 'pg';
import { qualified } from '../pg/quote.js';

/** One sequence's state, as setval() can put it back. */
export interface SequenceState {
  schema: string;
  name: string;
  lastValue: string;
  isCalled: boolean;
}

/** The state of every sequence of the ledger (schema sqlite2pg). */
export async function captureSequences(client: pg.ClientBase): Promise<SequenceState[]> {
  const seqs =
    await client.query(`SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                    WHERE c.relkind = 'S' AND n.nspname = 'sqlite2pg'`);
  const out: SequenceState[] = [];
  for (const s of seqs.rows) {
    const r = await client.query(`SELECT last_value::text AS v, is_called FROM ${qualified(s.nspname, s.relname)}`);
    out.push({ schema: s.nspname, name: s.relname, lastValue: r.rows[0].v, isCalled: r.rows[0].is_called });
  }
  return out;
}

/** Puts each sequence back as captured (those the rolled-back transaction created are gone already). */
export async function restoreSequences(client: pg.ClientBase, states: SequenceState[]): Promise<void> {
  for (const s of states) {
    const name = qualified(s.schema, s.name);
    const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
    if (exists.rows[0].ok)
      await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [name, s.lastValue, s.isCalled]);
  }
}
