// --dry-run does the whole job inside a transaction that is rolled back: the target is left exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { startPaused, targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-dry-');

describe('migrate --dry-run', () => {
  it('on an empty database: reports the full result and leaves no schema, table or ledger behind', async () => {
    const before = await targetSnapshot(fx.db);
    const r = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.status).toBe('ok');
    expect(r.json.totals.loadedRows).toBeGreaterThan(1000);
    expect(r.json.totals.rejectedRows).toBeGreaterThan(0);
    expect(r.json.tables.every((t: { checksum: { match: boolean } }) => t.checksum.match)).toBe(true);
    expect(await targetSnapshot(fx.db)).toEqual(before);
  });

  it('on a migrated database in truncate mode: data, ledger and schema stay exactly as they were', async () => {
    const m = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url]);
    expect(m.code).toBe(0);
    // A sequence behind its table's keys: a dry run must not move it (setval is not transactional).
    await fx.db.query(`SELECT setval('knowledge.knowledge_items_id_seq', 5)`);
    const before = await targetSnapshot(fx.db);
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      fx.db.url,
      '--dry-run',
      '--mode',
      'truncate',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.json.totals.loadedRows).toBeGreaterThan(1000);
    expect(await targetSnapshot(fx.db)).toEqual(before);
  });
});

describe('migrate --dry-run beside an application', () => {
  let live: TestDatabase;
  beforeAll(async () => {
    live = await createTestDatabase();
    const m = await runCli(['migrate', '--source-dir', fx.data, '--target', live.url]);
    expect(m.code, m.stderr).toBe(0);
  });
  afterAll(() => live?.drop());

  /** Every table of the target (data and ledger) with its committed row count. */
  async function committedCounts(client: pg.Client): Promise<Record<string, number>> {
    const tables = await client.query(
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const out: Record<string, number> = {};
    for (const { t } of tables.rows) out[t] = (await client.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
    return out;
  }

  it('takes no lock that stops a reader: mid-run, every live table answers a SELECT with its committed rows', async () => {
    const reader = new pg.Client({ connectionString: live.url });
    await reader.connect();
    try {
      const before = await targetSnapshot(live);
      const committed = await committedCounts(reader);
      expect(committed['knowledge.knowledge_items']).toBeGreaterThan(0);
      // Paused at the closing verify: every table has been emptied and reloaded, keys and foreign keys
      // built, and the dry run's transaction still holds every lock it took.
      const child = startPaused(
        ['migrate', '--source-dir', fx.data, '--target', live.url, '--dry-run', '--mode', 'truncate', '--json'],
        'verify-table:*',
      );
      try {
        await child.paused;
        const held = await reader.query(
          `SELECT l.relation::regclass::text AS rel FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.datname = current_database() AND l.pid <> pg_backend_pid() AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'`,
        );
        expect(held.rows).toEqual([]);
        // The application's reads, as the issue's: a lock in their way fails them instead of waiting.
        await reader.query(`SET lock_timeout = '2s'`);
        expect(await committedCounts(reader)).toEqual(committed);
      } finally {
        child.resume();
      }
      const r = await child.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.dryRun).toBe(true);
      expect(r.json.totals.loadedRows).toBeGreaterThan(1000);
      expect(r.json.warnings.filter((w: string) => w.startsWith('dry run:'))).toEqual([]);
      expect(await targetSnapshot(live)).toEqual(before);
    } finally {
      await reader.end();
    }
  });

  it("names the tables it had to lock readers out of: an existing table without the mapping's primary key", async () => {
    await live.query('ALTER TABLE knowledge.knowledge_items DROP CONSTRAINT knowledge_items_pkey CASCADE');
    const before = await targetSnapshot(live);
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      live.url,
      '--dry-run',
      '--mode',
      'truncate',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const locked = r.json.warnings.filter((w: string) => w.startsWith('dry run:'));
    expect(locked.some((w: string) => w.includes('ACCESS EXCLUSIVE lock on knowledge.knowledge_items '))).toBe(true);
    expect(await targetSnapshot(live)).toEqual(before);
  });
});
