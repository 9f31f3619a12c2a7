// Each test file works in databases it creates itself and drops afterwards: never in data it did not make.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { quoteIdent } from '../../src/pg/quote.js';
import { databasePrefix } from './leftovers.js';

/** The server URL the global setup chose, pointed at database `db`. */
export function urlFor(db: string): string {
  const url = new URL(inject('pgUrl'));
  url.pathname = `/${db}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs one query on a short-lived connection. */
  query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** Runs `fn` on a short-lived connection to `url`. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Database `name`, reached at `url`, dropped through `adminUrl` (its server's `postgres` database). */
export function databaseAt(name: string, url: string, adminUrl: string): TestDatabase {
  return {
    name,
    url,
    query: (sql, params) => withClient(url, (c) => c.query(sql, params)),
    drop: () =>
      withClient(
        adminUrl,
        async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      ),
  };
}

/** Creates an empty database named s2p_test_<run>_<random> on the test server (the run's prefix: leftovers.ts). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${databasePrefix(inject('testRun'))}${randomBytes(6).toString('hex')}`;
  await withClient(inject('pgUrl'), (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return databaseAt(name, urlFor(name), inject('pgUrl'));
}

/** A test file's own database and one connection to it, for the file's tests; see useTestClient. */
export interface TestClient {
  readonly db: TestDatabase;
  readonly client: pg.Client;
}

/**
 * Creates a database and connects to it before the file's tests (then runs `setup` on the connection), and
 * closes and drops both after them.
 */
export function useTestClient(setup?: (client: pg.Client) => Promise<unknown>): TestClient {
  let db: TestDatabase | undefined;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await setup?.(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('useTestClient: the database is made in beforeAll');
      return db;
    },
    get client() {
      if (!client) throw new Error('useTestClient: the connection is made in beforeAll');
      return client;
    },
  };
}
