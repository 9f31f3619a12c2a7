// With neither --target nor DATABASE_URL the tool runs an embedded PostgreSQL of its own: started,
// its URL printed, stopped afterwards — also when run as root (the server then runs as `postgres`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { useFixtureTarget } from '../support/fixture-target.js';

// 0755: as root, the server's postgres user must reach the folder (mkdtemp makes it 0700).
const fx = useFixtureTarget('s2p-embedded-', { database: false, mode: 0o755 });

function serverRunning(home: string): boolean {
  const pid = path.join(home, 'pgdata', 'postmaster.pid');
  if (!existsSync(pid)) return false;
  try {
    process.kill(Number(readFileSync(pid, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}

describe('the embedded default', () => {
  it('migrates into a server kept under SQLITE2PG_HOME (./.sqlite2pg by default), prints its URL and stops it', async () => {
    const home = path.join(fx.dir, 'home');
    const env = { DATABASE_URL: undefined, SQLITE2PG_HOME: home };
    const r = await runCli(['migrate', '--source-dir', fx.data, '--json'], { env, cwd: fx.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/embedded PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
    expect(r.json.status).toBe('ok');
    expect(serverRunning(home)).toBe(false);
    if (process.getuid?.() === 0) expect(statSync(path.join(home, 'pgdata')).uid).not.toBe(0);
    // The data stays: a second command finds it, on a new server start.
    const v = await runCli(['verify', '--source-dir', fx.data, '--json'], { env, cwd: fx.dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.totals.targetRows).toBe(r.json.totals.targetRows);
    expect(serverRunning(home)).toBe(false);
  });
});

describe('sqlite2pg embedded start|stop|status|url', () => {
  it('leaves the server running on a remembered port for psql and later commands, until stop', async () => {
    const home = path.join(fx.dir, 'kept');
    const env = { DATABASE_URL: undefined, SQLITE2PG_HOME: home };
    const cli = (...args: string[]) => runCli(args, { env, cwd: fx.dir });
    try {
      expect((await cli('embedded', 'status')).stdout).toMatch(/not created yet/);
      const notRunning = await cli('embedded', 'url');
      expect(notRunning.code).toBe(3);
      expect(notRunning.stderr).toMatch(/not running; start it with: sqlite2pg embedded start/);

      const started = await cli('embedded', 'start');
      expect(started.code, started.stderr).toBe(0);
      const url = /running at (postgresql:\/\/\S+)/.exec(started.stdout)![1];
      expect(started.stdout).toContain(`psql '${url}'`);
      expect(serverRunning(home)).toBe(true);
      expect((await cli('embedded', 'url')).stdout.trim()).toBe(url);

      // A migrate reuses the running server and leaves it up: the data can be looked at afterwards.
      const m = await cli('migrate', '--source-dir', fx.data, '--json');
      expect(m.code, m.stderr).toBe(0);
      expect(serverRunning(home)).toBe(true);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const n = await client.query('SELECT count(*)::int AS n FROM rss.fetch_items');
        const table = (m.json.tables as { target: string; targetRows: number }[]).find(
          (t) => t.target === 'rss.fetch_items',
        )!;
        expect(n.rows[0].n).toBe(table.targetRows);
      } finally {
        await client.end();
      }

      expect((await cli('embedded', 'stop')).stdout).toMatch(/stopped/);
      expect(serverRunning(home)).toBe(false);
      expect((await cli('embedded', 'status')).stdout).toMatch(/: stopped/);
      // Started again, it comes back on the same port: the psql command printed before still works.
      const again = await cli('embedded', 'start');
      expect(again.stdout).toContain(url);
    } finally {
      await cli('embedded', 'stop');
    }
    expect(serverRunning(home)).toBe(false);
  });

  it('refuses when a target URL is given', async () => {
    const r = await runCli(['embedded', 'start', '--target', 'postgresql://x@127.0.0.1:1/x'], { cwd: fx.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only used without --target/);
  });
});
