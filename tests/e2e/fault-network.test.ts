// Bounded waiting, on a server of the test's own: a network path that goes silent mid-COPY (a proxy that
// stops forwarding without closing anything), a server that accepts TCP but never answers, and a crash
// recovery after a backend is killed. The first two end in exit 3 within a bound set by the stall watch
// and connect_timeout, leaving no session of the run on the server; the third is waited out, exit 0.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createDbOn, startPaused, waitFor } from '../support/faults.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import type { TestDatabase } from '../support/pg.js';

const fx = useFixtureTarget('s2p-fault-network-', { database: false, ownServer: true });
let dbCount = 0;

const newDb = () => createDbOn(fx.server, `net_${++dbCount}`);

/**
 * Runs `fn` against a new test database reached through a new proxy (`url`, connect_timeout 2 s); the
 * proxy is closed and the database dropped afterwards.
 */
async function throughProxy(fn: (db: TestDatabase, proxy: Proxy, url: string) => Promise<void>): Promise<void> {
  const db = await newDb();
  const proxy = await startProxy(fx.server.port);
  try {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    url.searchParams.set('connect_timeout', '2');
    await fn(db, proxy, url.toString());
  } finally {
    await proxy.close();
  }
  await db.drop();
}

/** Sessions on the test database other than the asking one: the run's, while it has any. */
const runSessions = async (db: TestDatabase): Promise<number> =>
  (
    await db.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
  ).rows[0].n as number;

/** A migrate through `url`, one lane, stall watch at 2 s, paused at continuum.tier_audit's COPY. */
const pausedMigrate = (url: string, extra: string[] = []) =>
  startPaused(
    ['migrate', '--source-dir', fx.data, '--target', url, '--jobs', '1', ...extra, '--json'],
    'copy:continuum.tier_audit',
    { SQLITE2PG_STALL_SECONDS: '2' },
  );

interface Proxy {
  port: number;
  /**
   * Connections open now stop forwarding in both directions, and nothing is closed; new connections are
   * forwarded, unless `all`: then they are accepted and never forwarded either.
   */
  blackHole(all?: boolean): void;
  close(): Promise<void>;
}

/** A TCP proxy to the test server that can go silent, the way a proxy or NAT that lost its state does. */
function startProxy(to: number): Promise<Proxy> {
  const pairs = new Set<{ a: Socket; b: Socket; silent: boolean }>();
  const swallowed: Socket[] = [];
  let silentForAll = false;
  const srv: Server = createServer((a) => {
    if (silentForAll) {
      a.on('error', () => {});
      swallowed.push(a);
      return;
    }
    const b = connect(to, '127.0.0.1');
    const pair = { a, b, silent: false };
    pairs.add(pair);
    a.on('data', (d) => void (pair.silent || b.write(d)));
    b.on('data', (d) => void (pair.silent || a.write(d)));
    const close = () => {
      if (pair.silent) return; // a silent path tells neither side anything
      a.destroy();
      b.destroy();
      pairs.delete(pair);
    };
    for (const s of [a, b]) {
      s.on('error', () => {});
      s.on('close', close);
    }
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as { port: number }).port,
        blackHole: (all = false) => {
          silentForAll = all;
          pairs.forEach((p) => (p.silent = true));
        },
        close: () => {
          swallowed.forEach((x) => x.destroy());
          for (const p of pairs) {
            p.a.destroy();
            p.b.destroy();
          }
          return new Promise((r) => srv.close(() => r()));
        },
      }),
    ),
  );
}

/** A server that accepts TCP connections and never says a word. */
function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const held: Socket[] = [];
  const srv = createServer((s) => {
    s.on('error', () => {});
    held.push(s);
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as { port: number }).port,
        close: () => {
          held.forEach((s) => s.destroy());
          return new Promise((r) => srv.close(() => r()));
        },
      }),
    ),
  );
}

describe('the network path goes silent mid-COPY', () => {
  it('the stall watch ends the quiet connection and its server session: exit 3 within a bound, no session of the run left on the server', async () => {
    await throughProxy(async (db, proxy, url) => {
      const child = pausedMigrate(url, ['--retries', '0']);
      await child.paused;
      const sessions = () => runSessions(db);
      expect(await sessions()).toBeGreaterThanOrEqual(2); // the lock's and the COPY's, at least
      proxy.blackHole();
      const t0 = Date.now();
      child.resume();
      const r = await child.done;
      const took = Date.now() - t0;
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /no bytes moved on the connection for \d+ s \(SQLITE2PG_STALL_SECONDS=2\): the connection was ended and its server session \(pid \d+, active, ClientRead\) was terminated/,
      );
      expect(r.stderr).toMatch(/run again with --mode resume/);
      // Each silent connection costs at most the stall time plus a probe (connect_timeout 2 s, twice at most);
      // the COPY's, the lock's, the idle ones closed at exit: well under a minute all told.
      expect(took).toBeLessThan(45_000);
      // Nothing of the run is left holding locks or slots on the server, although the proxy still holds every socket
      // open.
      await waitFor("the run's sessions to be gone", async () => (await sessions()) === 0, 15_000);
      const tier = await db.query('SELECT count(*)::int AS n FROM continuum.tier_audit');
      expect(tier.rows[0].n).toBe(0); // the table in flight rolled back
    });
  });

  it("with retries left: the table is loaded again on fresh connections (the run's other quiet ones ended too), exit 0, every table verified", async () => {
    await throughProxy(async (db, proxy, url) => {
      const child = pausedMigrate(url);
      await child.paused;
      proxy.blackHole();
      child.resume();
      const r = await child.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /no bytes moved on the connection for \d+ s \(SQLITE2PG_STALL_SECONDS=2\): the connection was ended and its server session \(pid \d+, active, ClientRead\) was terminated/,
      );
      expect(r.stderr).toMatch(/connection lost while loading a table: loading it again from zero/);
      for (const t of (r.json as { tables: { target: string; checksum: { match: boolean } }[] }).tables)
        expect(t.checksum.match, t.target).toBe(true);
      await waitFor("the run's sessions to be gone", async () => (await runSessions(db)) === 0, 15_000);
    });
  });

  it('the whole path goes silent, new connections included: exit 3 within a bound, not retried, with where a resume starts', async () => {
    await throughProxy(async (_db, proxy, url) => {
      const child = pausedMigrate(url);
      await child.paused;
      proxy.blackHole(true);
      const t0 = Date.now();
      child.resume();
      const r = await child.done;
      const took = Date.now() - t0;
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /the target went silent: nothing moved for \d+ s on a statement in flight \(SQLITE2PG_STALL_SECONDS=2\), and the server could not be reached to end its session/,
      );
      expect(r.stderr).toMatch(/run again with --mode resume/);
      expect(r.stderr).not.toMatch(/loading it again from zero/); // an unreachable server is not retried
      // The stall (2 s), the probe's connect_timeout (2 s), then each step of the exit at most one connect_timeout.
      expect(took).toBeLessThan(30_000);
    });
  });
});

describe('a server that accepts TCP and never answers', () => {
  it('connect_timeout from the URL: exit 3 after it, not retried, a clear message', async () => {
    const silent = await startSilentServer();
    try {
      const t0 = Date.now();
      const r = await runCli([
        'migrate',
        '--source-dir',
        fx.data,
        '--target',
        `postgresql://postgres@127.0.0.1:${silent.port}/x?connect_timeout=2`,
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect(r.stderr).toMatch(/the server accepted the connection but did not answer within 2 s \(connect_timeout/);
      expect(r.stderr).not.toMatch(/retrying/);
    } finally {
      await silent.close();
    }
  });

  it('without connect_timeout: the default 10 s, then exit 3', async () => {
    const silent = await startSilentServer();
    try {
      const t0 = Date.now();
      const r = await runCli([
        'migrate',
        '--source-dir',
        fx.data,
        '--target',
        `postgresql://postgres@127.0.0.1:${silent.port}/x`,
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(Date.now() - t0).toBeLessThan(25_000);
      expect(r.stderr).toMatch(/did not answer within 10 s \(connect_timeout/);
    } finally {
      await silent.close();
    }
  });
});

describe('crash recovery', () => {
  it('a backend killed mid-COPY (the server restarts every backend and replays its WAL): waited out, the lock taken back, exit 0, every table verified', async () => {
    const db = await newDb();
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--json'],
      'copy:knowledge.knowledge_items',
    );
    await child.paused;
    const copy = await db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %knowledge_items%'`,
    );
    expect(copy.rows).toHaveLength(1);
    process.kill(copy.rows[0].pid as number, 'SIGKILL');
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/loading it again from zero/);
    expect(r.stderr).toMatch(/run lock taken back on a new connection: no other run took it meanwhile/);
    for (const t of (r.json as { tables: { target: string; checksum: { match: boolean } }[] }).tables)
      expect(t.checksum.match, t.target).toBe(true);
    await db.drop();
  });
});
