// Faults of the target PostgreSQL during a migrate, on a server of the test's own: unreachable, wrong
// password, restarted or stopped mid-COPY, connections terminated, a statement timeout, a full disk.
// Connection faults are retried (bounded, with backoff); everything else stops the run at once. Either
// way a failed run exits 3 within seconds, the table in flight is rolled back, and the ledger says where
// a --mode resume starts — which then finishes the job.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { runCli } from '../support/cli.js';
import { createDbOn, prependHba, serverOwner, startPaused } from '../support/faults.js';
import { useFixtureTarget } from '../support/fixture-target.js';

let tinyMounted = false;
const fx = useFixtureTarget('s2p-fault-target-', {
  database: false,
  ownServer: true,
  beforeRemove: () => void (tinyMounted && spawnSync('umount', [path.join(fx.dir, 'tiny')])),
});
let dbCount = 0;

const newDb = () => createDbOn(fx.server, `fault_${++dbCount}`);

function migrate(db: TestDatabase, extra: string[] = []) {
  return runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--json', ...extra]);
}

/** What a failed run leaves: status 'failed', its error naming the tables a resume loads, the in-flight table empty. */
async function expectFailedRun(db: TestDatabase, runId: string, inFlight: string): Promise<void> {
  const run = await db.query('SELECT status, error FROM sqlite2pg.runs WHERE run_id = $1', [runId]);
  expect(run.rows[0].status).toBe('failed');
  expect(run.rows[0].error).toMatch(/run again with --mode resume to load the rest \(.*\)/);
  expect(run.rows[0].error).toContain(inFlight);
  const loads = await db.query('SELECT target_table FROM sqlite2pg.table_loads WHERE run_id = $1', [runId]);
  expect(loads.rows.map((r) => r.target_table)).not.toContain(inFlight);
  await expectEmpty(db, inFlight);
}

async function expectEmpty(db: TestDatabase, table: string): Promise<void> {
  const c = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
  expect(c.rows[0].n, `${table}: the table in flight was rolled back`).toBe(0);
}

/** --mode resume finishes the job: exit 0, every table verified, the tables the failed run committed kept. */
async function expectResumeFinishes(db: TestDatabase, failedRun: string): Promise<void> {
  const committed = (
    await db.query('SELECT target_table FROM sqlite2pg.table_loads WHERE run_id = $1', [failedRun])
  ).rows.map((x) => x.target_table);
  const r = await migrate(db, ['--mode', 'resume']);
  expect(r.code, r.stderr).toBe(0);
  for (const t of r.json.tables as { target: string; keptFromRun: string | null; checksum: { match: boolean } }[]) {
    expect(t.checksum.match, t.target).toBe(true);
    expect(t.keptFromRun, t.target).toBe(committed.includes(t.target) ? failedRun : null);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('a target that cannot be reached or refuses the login', () => {
  it('unreachable: retried a bounded number of times with backoff, then exit 3 within seconds', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      `postgresql://postgres:pw-unreachable-1@127.0.0.1:${port}/x`,
      '--retries',
      '2',
    ]);
    expect(r.code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.stderr.match(/target not reachable, retrying/g)).toHaveLength(2);
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr).not.toContain('pw-unreachable-1');
  });

  it('wrong password: not retried, exit 3 at once, and the password never printed', async () => {
    const db = await newDb();
    await db.query(`CREATE ROLE s2p_login LOGIN PASSWORD 'right-pw-9'`);
    // scram for that role only: the embedded server trusts everyone else.
    prependHba(fx.server, 'host all s2p_login 127.0.0.1/32 scram-sha-256');
    await db.query('SELECT pg_reload_conf()');
    const t0 = Date.now();
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      fx.server.urlFor(db.name, 's2p_login', 'wrong-pw-7'),
    ]);
    expect(r.code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.stderr).toMatch(/authentication failed for user "s2p_login" \(check the user and password\)/);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(r.stderr + r.stdout).not.toContain('wrong-pw-7');
  });
});

describe('the server goes away during a COPY', () => {
  it('restarted: the connection loss is retried, the table loaded again from zero, the run carries on to exit 0', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--json'],
      'copy:knowledge.knowledge_items',
    );
    await child.paused;
    fx.server.restart();
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/connection lost while loading a table: loading it again from zero/);
    const t = (r.json as { tables: { target: string; targetRows: number; checksum: { match: boolean } }[] }).tables;
    expect(t.every((x) => x.checksum.match)).toBe(true);
    const c = await db.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM knowledge.knowledge_items');
    expect(c.rows[0]).toEqual({
      n: t.find((x) => x.target === 'knowledge.knowledge_items')!.targetRows,
      d: c.rows[0].n,
    });
  });

  it('restarted with --retries 0: exit 3 at once, the table rolled back, the ledger says where to resume', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--retries', '0', '--json'],
      'copy:continuum.tier_audit',
    );
    await child.paused;
    fx.server.restart();
    const t0 = Date.now();
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(3);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Which connection tells first is a race: the paused COPY's, or the run lock's watcher, which may try to
    // take the lock back while the server is still restarting (or shutting down). Either way: exit 3 with the
    // resume note.
    expect(r.stderr).toMatch(
      /the server ended the connection|lost the connection to the target|not accepting connections/,
    );
    expect(r.stderr).toMatch(/run again with --mode resume/);
    await expectFailedRun(db, (r.json as { runId: string }).runId, 'continuum.tier_audit');
    await expectResumeFinishes(db, (r.json as { runId: string }).runId);
  });

  it('stopped for good: bounded retries, exit 3 within seconds; once it is back, resume finishes', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--json'],
      'copy:rss.fetch_items',
    );
    await child.paused;
    fx.server.stop('immediate');
    const t0 = Date.now();
    child.resume();
    const r = await child.done;
    const took = Date.now() - t0;
    fx.server.start();
    expect(r.code, r.stderr).toBe(3);
    expect(took).toBeLessThan(15_000);
    // The lock's connection went down with the server: taking the lock back is retried --retries times
    // (default 3), and the table in flight is not loaded again without it.
    expect(r.stderr.match(/could not take the run lock back yet: retrying/g)).toHaveLength(3);
    expect(r.stderr).toMatch(/run again with --mode resume/);
    // The server was down, so the run could not mark itself failed: history calls it interrupted.
    const h = await runCli(['history', '--target', db.url, '--json']);
    expect(h.json.runs[0]).toMatchObject({ runId: (r.json as { runId: string }).runId, status: 'interrupted' });
    await expectEmpty(db, 'rss.fetch_items');
    await expectResumeFinishes(db, (r.json as { runId: string }).runId);
  });
});

describe('our connections are terminated (pg_terminate_backend)', () => {
  const terminateAll = (db: TestDatabase) =>
    db.query(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );

  it('every backend of the run, the one holding the lock included: retried, the lock taken back (no other run claimed it meanwhile), exit 0', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--json'],
      'copy:knowledge.knowledge_items',
    );
    await child.paused;
    expect((await terminateAll(db)).rows[0].n).toBeGreaterThanOrEqual(2);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/run lock taken back on a new connection: no other run took it meanwhile/);
    expect(r.stderr).toMatch(/loading it again from zero/);
  });

  it('with --retries 0: exit 3, the table rolled back, then resume finishes', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--retries', '0', '--json'],
      'copy:knowledge.learning_sessions',
    );
    await child.paused;
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %learning_sessions%'`,
    );
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(3);
    await expectFailedRun(db, (r.json as { runId: string }).runId, 'knowledge.learning_sessions');
    await expectResumeFinishes(db, (r.json as { runId: string }).runId);
  });
});

describe("no connection to spare for the verify's workers", () => {
  /** A database owned by a new role `role`, and that role's URL. */
  async function ownedBy(role: string): Promise<{ db: TestDatabase; url: string }> {
    const db = await newDb();
    await db.query(`CREATE ROLE ${role} LOGIN`);
    await db.query(`ALTER DATABASE "${db.name}" OWNER TO ${role}`);
    return { db, url: fx.server.urlFor(db.name, role) };
  }

  /** Caps `role` at the connections it holds now (at least `least`): the run may keep those, and no more. */
  async function capAtHeld(db: TestDatabase, role: string, least: number): Promise<void> {
    const held = (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1`, [role])).rows[0]
      .n as number;
    expect(held).toBeGreaterThanOrEqual(least);
    await db.query(`ALTER ROLE ${role} CONNECTION LIMIT ${held}`);
  }

  /** Exit 0, the connection refused, and every table verified equal with all its rows. */
  function expectAllVerified(
    r: { code: number | null; stderr: string; json: { tables: unknown } },
    warning: RegExp,
  ): void {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(warning);
    expect(r.stderr).toMatch(/too many connections for role/);
    const tables = r.json.tables as { target: string; status: string; targetRows: number; loadedRows: number }[];
    expect(tables).toHaveLength(11);
    for (const t of tables) {
      expect(t.status, t.target).toBe('match');
      expect(t.targetRows, t.target).toBe(t.loadedRows);
    }
  }

  it("a role at its connection limit: each table read through the run's own connection instead, every table verified, exit 0", async () => {
    const { db, url } = await ownedBy('s2p_capped');
    // One lane: paused as the first table's rows are about to be verified (in its lane, its keys built).
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', url, '--jobs', '1', '--json'],
      'verify-table:*',
    );
    await child.paused;
    // The first table loaded and keyed, its verify not started.
    await capAtHeld(db, 's2p_capped', 2);
    child.resume();
    expectAllVerified(
      await child.done,
      /could not open a worker's own target connection: reading the table through the run's connection/,
    );
  });

  it('sqlite2pg verify with a role at its connection limit: each table read in its snapshot through its own connection, exit 0', async () => {
    const { db, url } = await ownedBy('s2p_capped_v');
    const loaded = await runCli(['migrate', '--source-dir', fx.data, '--target', url, '--json']);
    expect(loaded.code, loaded.stderr).toBe(0);
    const child = startPaused(
      ['verify', '--source-dir', fx.data, '--target', url, '--jobs', '1', '--json'],
      'verify-table:*',
    );
    await child.paused;
    // The first table's snapshot is taken: no worker can open a connection to import it.
    await capAtHeld(db, 's2p_capped_v', 1);
    child.resume();
    expectAllVerified(
      await child.done,
      /verify could not read a table in its snapshot on a worker's own target connection: reading it through the table's connection/,
    );
  });
});

describe('errors that are not about the connection are never retried', () => {
  it('--statement-timeout: the COPY that outlives it is canceled, exit 3, the table rolled back', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--statement-timeout', '1500', '--json'],
      'copy:accuracy.accuracy_scores',
      { SQLITE2PG_TEST_PAUSE_MS: '4000' },
    );
    await child.paused;
    const r = await child.done;
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/a statement was canceled \(it ran longer than --statement-timeout/);
    expect(r.stderr).not.toMatch(/loading it again/);
    await expectFailedRun(db, (r.json as { runId: string }).runId, 'accuracy.accuracy_scores');
    await expectResumeFinishes(db, (r.json as { runId: string }).runId);
  });

  it('disk full (tables on a tablespace on a tiny tmpfs): exit 3 naming it, the table rolled back, resume after space is made', async (ctx) => {
    const tiny = path.join(fx.dir, 'tiny');
    mkdirSync(tiny);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=320k', 'tmpfs', tiny]);
    if (mount.status !== 0) {
      // Without the right to mount, the same path (a server error mid-COPY, never retried) is the statement timeout
      // test's.
      ctx.skip();
      return;
    }
    tinyMounted = true;
    const ts = path.join(tiny, 'ts');
    mkdirSync(ts);
    const owner = serverOwner();
    if (owner) chownSync(ts, owner.uid, owner.gid);
    const db = await newDb();
    await db.query(`CREATE TABLESPACE tiny LOCATION '${ts}'`);
    try {
      // The data tables live on the tiny disk; the ledger stays on the default one.
      const ddl = await runCli(['plan', '--sql', '--source-dir', fx.data]);
      expect(ddl.code).toBe(0);
      await db.query(`SET default_tablespace = tiny; ${ddl.stdout}`);
      const r = await migrate(db, ['--jobs', '1']);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/the target is out of disk space: could not extend file/);
      expect(r.stderr).not.toMatch(/loading it again/);
      const failed = await db.query(`SELECT run_id, error FROM sqlite2pg.runs WHERE status = 'failed'`);
      expect(failed.rows).toHaveLength(1);
      const inFlight = /load the rest \(([^,)]+)/.exec(failed.rows[0].error)![1];
      await expectFailedRun(db, failed.rows[0].run_id, inFlight);
      // Make room: move the tables to the default tablespace, then resume.
      const tables = await db.query(
        `SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE tablespace = 'tiny'`,
      );
      for (const t of tables.rows) await db.query(`ALTER TABLE ${t.t} SET TABLESPACE pg_default`);
      await db.query('ALTER INDEX ALL IN TABLESPACE tiny SET TABLESPACE pg_default');
      await expectResumeFinishes(db, failed.rows[0].run_id);
    } finally {
      await db.drop();
      await createDbOn(fx.server, 'drop_ts').then((x) =>
        x.query('DROP TABLESPACE IF EXISTS tiny').then(() => x.drop()),
      );
    }
  });
});
