// --dry-run does the whole job inside a transaction that is rolled back: the target is left exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { fixturesAndDatabase, type FixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { targetSnapshot } from '../support/faults.js';

let env: FixtureTarget;
let data: string;
let db: TestDatabase;

beforeAll(async () => {
  env = await fixturesAndDatabase('s2p-dry-');
  ({ data, db } = env);
});

afterAll(() => env?.close());

describe('migrate --dry-run', () => {
  it('on an empty database: reports the full result and leaves no schema, table or ledger behind', async () => {
    const before = await targetSnapshot(db);
    const r = await runCli(['migrate', '--source-dir', data, '--target', db.url, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.status).toBe('ok');
    expect(r.json.totals.loadedRows).toBeGreaterThan(1000);
    expect(r.json.totals.rejectedRows).toBeGreaterThan(0);
    expect(r.json.tables.every((t: { checksum: { match: boolean } }) => t.checksum.match)).toBe(true);
    expect(await targetSnapshot(db)).toEqual(before);
  });

  it('on a migrated database in truncate mode: data, ledger and schema stay exactly as they were', async () => {
    const m = await runCli(['migrate', '--source-dir', data, '--target', db.url]);
    expect(m.code).toBe(0);
    // A sequence behind its table's keys: a dry run must not move it (setval is not transactional).
    await db.query(`SELECT setval('knowledge.knowledge_items_id_seq', 5)`);
    const before = await targetSnapshot(db);
    const r = await runCli(['migrate', '--source-dir', data, '--target', db.url, '--dry-run', '--mode', 'truncate', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.totals.loadedRows).toBeGreaterThan(1000);
    expect(await targetSnapshot(db)).toEqual(before);
  });
});
