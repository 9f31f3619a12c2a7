// sqlite2pg verify reads each table in one REPEATABLE READ snapshot. The streaming pass's COPY is read
// on the source worker's own connection, importing that snapshot (pg_export_snapshot): rows changed or
// deleted after the snapshot was taken must not show, and the COPY must run on the worker's connection.
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { startPaused } from '../support/faults.js';
import { runCli } from '../support/cli.js';

const fx = useFixtureTarget('s2p-vsnap-');

type TableJson = { target: string; status: string; targetRows: number; checksum: { match: boolean } };

beforeAll(async () => {
  const r = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('sqlite2pg verify in a snapshot read by a worker', () => {
  it("reads the table's COPY on another session in the table's snapshot: later changes do not show", async () => {
    const table = 'rss.fetch_cycles';
    const before = Number((await fx.db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const child = startPaused(
      ['verify', '--source-dir', fx.data, '--target', fx.db.url, '--tables', table, '--json'],
      `verify-table:${table}`,
      { SQLITE2PG_LOG_LEVEL: 'debug' },
    );
    await child.paused;
    // The session that exported the table's snapshot, idle in its transaction while the run is paused.
    const exporter = (
      await fx.db.query(
        "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_export_snapshot() AS id' AND state = 'idle in transaction'",
      )
    ).rows;
    expect(exporter).toHaveLength(1);
    // After the snapshot: a row deleted and one changed, committed.
    await fx.db.query(`DELETE FROM ${table} WHERE id = (SELECT max(id) FROM ${table})`);
    await fx.db.query(`UPDATE ${table} SET status = status || ' (edited)' WHERE id = (SELECT min(id) FROM ${table})`);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    // The COPY ran on the worker's own connection, in the imported snapshot, not through the table's session.
    expect(r.stderr).not.toMatch(/could not read a table in its snapshot/);
    expect(r.stderr).toMatch(
      /target side read in the table's snapshot on a worker's own connection {2}table=rss\.fetch_cycles/,
    );
    const t = (r.json as { tables: TableJson[] }).tables.find((x) => x.target === table)!;
    // What the snapshot held: every row (the rejected fixture rows aside, every one matching), none changed.
    expect(t).toMatchObject({ status: 'match', targetRows: before, checksum: { match: true } });
  });
});
