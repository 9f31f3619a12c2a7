// One statement tried inside the caller's transaction: refused, it is rolled back alone (a savepoint) and
// the transaction goes on — for what a run creates best-effort (ported indexes, views, deferred foreign
// keys) and what rollback drops only when nothing depends on it.
import type pg from 'pg';

/** Runs `sql` in a savepoint: null when it ran, else PostgreSQL's error (the savepoint rolled back). */
export async function attempt(client: pg.ClientBase, sql: string): Promise<(Error & { detail?: string }) | null> {
  await client.query('SAVEPOINT sqlite2pg_attempt');
  try {
    await client.query(sql);
    await client.query('RELEASE SAVEPOINT sqlite2pg_attempt');
    return null;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT sqlite2pg_attempt');
    return err as Error;
  }
}
