// sqlite2pg verify reads each table in one REPEATABLE READ snapshot. The streaming pass's COPY is read
// on the source worker's own connection, importing that snapshot (pg_export_snapshot): rows changed or
// deleted after the snapshot was taken must not show, and the COPY must run on the worker's connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generate.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { startPaused } from '../support/faults.js';
import { runCli } from '../support/cli.js';

let dir: string;
let data: string;
let db: TestDatabase;

type TableJson = { target: string; status: string; targetRows: number; checksum: { match: boolean } };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 's2p-vsnap-'));
  data = path.join(dir, 'data');
  generateFixtures({ outDir: data });
  db = await createTestDatabase();
  const r = await runCli(['migrate', '--source-dir', data, '--target', db.url, '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite2pg verify in a snapshot read by a worker', () => {
  it("reads the table's COPY on another session in the table's snapshot: later changes do not show", async () => {
    const table = 'rss.fetch_cycles';
    const before = Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const child = startPaused(['verify', '--source-dir', data, '--target', db.url, '--tables', table, '--json'], `verify-table:${table}`, { SQLITE2PG_LOG_LEVEL: 'debug' });
    await child.paused;
    // The session that exported the table's snapshot, idle in its transaction while the run is paused.
    const exporter = (await db.query("SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_export_snapshot() AS id' AND state = 'idle in transaction'")).rows;
    expect(exporter).toHaveLength(1);
    // After the snapshot: a row deleted and one changed, committed.
    await db.query(`DELETE FROM ${table} WHERE id = (SELECT max(id) FROM ${table})`);
    await db.query(`UPDATE ${table} SET status = status || ' (edited)' WHERE id = (SELECT min(id) FROM ${table})`);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    // The COPY ran on the worker's own connection, in the imported snapshot, not through the table's session.
    expect(r.stderr).not.toMatch(/could not read a table in its snapshot/);
    expect(r.stderr).toMatch(/target side read in the table's snapshot on a worker's own connection {2}table=rss\.fetch_cycles/);
    const t = (r.json as { tables: TableJson[] }).tables.find((x) => x.target === table)!;
    // What the snapshot held: every row (the rejected fixture rows aside, every one matching), none changed.
    expect(t).toMatchObject({ status: 'match', targetRows: before, checksum: { match: true } });
  });
});
