// Test helper: a connection to a fresh test database with the verifier's session settings, and COPY reads.
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { splitCopyLine } from '../../src/verify/canonical/canonical-pg.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

/** The session settings canonicalFromPg assumes (COPY text output is then exact and in ISO form). */
export const VERIFY_SESSION =
  "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET bytea_output = 'hex'";

export interface PgSession {
  db: TestDatabase;
  client: pg.Client;
  /** PostgreSQL's text output of one parameterised expression (`SELECT (expr)::text`). */
  text(expr: string, params: unknown[]): Promise<string | null>;
  /** Rows of `COPY (query) TO STDOUT`, fields unescaped (NULL as null). */
  copyRows(query: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

export async function openSession(): Promise<PgSession> {
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(VERIFY_SESSION);
  return {
    db,
    client,
    async text(expr, params) {
      const r = await client.query<{ v: string | null }>(`SELECT (${expr})::text AS v`, params);
      return r.rows[0].v;
    },
    async copyRows(query) {
      const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      // Decode once, after joining: a chunk may end inside a multi-byte character.
      const text = Buffer.concat(chunks).toString('utf8');
      return text === '' ? [] : text.replace(/\n$/, '').split('\n').map(splitCopyLine);
    },
    async close() {
      await client.end();
      await db.drop();
    },
  };
}
