// Dual-write: a row the application rewrites on both sides after verify took its snapshots differs between
// them, and is settled by reading it again; a real difference survives the re-check.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/runtime/config.js';
import { silentLogger } from '../../../src/runtime/log.js';
import { runMigrate } from '../../../src/commands/migrate.js';
import { planSources } from '../../../src/commands/session.js';
import { connectTarget, type Target } from '../../../src/pg/target.js';
import { verifyRun } from '../../../src/verify/verify-run.js';
import { openFreshSides } from '../../../src/verify/narrow/recheck.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { tempDir } from '../../support/temp-dir.js';

let dir: string;
let db: TestDatabase;
let target: Target;
let mapping: string;

const flags = () => ({ 'source-dir': dir, mapping, target: db.url, 'quick-check': false });
const withClient = async <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
  const c = await target.pool.connect();
  try {
    return await fn(c);
  } finally {
    c.release();
  }
};

beforeAll(async () => {
  dir = tempDir('s2p-recheck-');
  const sqlite = new Database(path.join(dir, 'app.db'));
  sqlite.pragma('journal_mode = WAL'); // a reader's snapshot does not block the application's writes
  sqlite.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT)`);
  const insert = sqlite.prepare(`INSERT INTO items (id, name, updated_at) VALUES (?, ?, '2024-01-01 00:00:00')`);
  for (let i = 1; i <= 50; i++) insert.run(i, `item ${i}`);
  sqlite.close();
  mapping = path.join(dir, 'mapping.json');
  writeFileSync(
    mapping,
    JSON.stringify({
      version: 1,
      name: 'mini',
      schemaVersion: 1,
      sources: [
        {
          file: 'app.db',
          schema: 'app',
          tables: [
            {
              source: 'items',
              target: 'items',
              primaryKey: ['id'],
              timestampColumns: ['updated_at'],
              columns: [
                { name: 'id', type: 'bigint', from: 'id', serial: true, nullable: false },
                { name: 'name', type: 'text', from: 'name', nullable: false },
                { name: 'updated_at', type: 'timestamp', from: 'updated_at' },
              ],
            },
          ],
        },
      ],
    }),
  );
  db = await createTestDatabase();
  const m = await runMigrate(resolveConfig('migrate', flags(), {}, dir, false), silentLogger);
  expect(m.exitCode).toBe(0);
  target = await connectTarget(db.url, { poolSize: 4, retries: 0, log: silentLogger });
});

afterAll(async () => {
  await target?.close();
  await db?.drop();
});

/** Verifies with the source snapshot taken first, then `between` run (the application writing), then the comparison. */
async function verifyAround(between: () => Promise<void>, recheck: boolean) {
  const { sources, plan } = planSources(resolveConfig('verify', flags(), {}, dir, false), { log: silentLogger });
  const fresh = recheck ? openFreshSides(withClient) : null;
  try {
    await between();
    const [r] = await verifyRun({
      plan,
      sourceDb: (f) => sources.db(f),
      hosted: (f) => sources.hosted(f)?.verify ?? null,
      withClient,
      jobs: 1,
      sampleRows: 10,
      fresh,
      targetSnapshot: true,
      structure: null,
    });
    return r.verification;
  } finally {
    fresh?.close();
    await sources.close();
  }
}

async function write(id: number, name: string, where: 'both' | 'target') {
  if (where === 'both') {
    const w = new Database(path.join(dir, 'app.db'));
    w.prepare('UPDATE items SET name = ? WHERE id = ?').run(name, id);
    w.close();
  }
  await db.query('UPDATE app.items SET name = $1 WHERE id = $2', [name, id]);
}

describe('re-check before reporting', () => {
  it('a row written to both sides after the snapshots settles as in flight', async () => {
    const v = await verifyAround(() => write(7, 'renamed in both', 'both'), true);
    expect(v.checksum.match).toBe(false);
    expect(v.differences).toMatchObject({ missing: 0, extra: 0, changed: 0 });
    expect(v.accounting).toMatchObject({ inFlight: 1, rechecked: 1 });
    expect(v.status).toBe('match');
  });

  it('without the re-check the same row is reported, with its changed column', async () => {
    const v = await verifyAround(() => write(8, 'renamed in both too', 'both'), false);
    expect(v.differences).toMatchObject({ changed: 1, samples: [{ key: '8', kind: 'changed', columns: ['name'] }] });
    expect(v.status).toBe('differences');
  });

  it('a real difference survives the re-check', async () => {
    const v = await verifyAround(() => write(9, 'only in PostgreSQL', 'target'), true);
    expect(v.differences).toMatchObject({ changed: 1, samples: [{ key: '9', kind: 'changed', columns: ['name'] }] });
    expect(v.accounting).toMatchObject({ inFlight: 0, rechecked: 1 });
  });
});
