// With neither --target nor DATABASE_URL the tool runs an embedded PostgreSQL of its own: started,
// its URL printed, stopped afterwards — also when run as root (the server then runs as `postgres`).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generate.js';
import { runCli } from '../support/cli.js';

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 's2p-embedded-'));
  chmodSync(dir, 0o755); // as root, the server's postgres user must reach the folder (mkdtemp makes it 0700)
  data = path.join(dir, 'data');
  generateFixtures({ outDir: data });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

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
    const home = path.join(dir, 'home');
    const env = { DATABASE_URL: undefined, SQLITE2PG_HOME: home };
    const r = await runCli(['migrate', '--source-dir', data, '--json'], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/embedded PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
    expect(r.json.status).toBe('ok');
    expect(serverRunning(home)).toBe(false);
    if (process.getuid?.() === 0) expect(statSync(path.join(home, 'pgdata')).uid).not.toBe(0);
    // The data stays: a second command finds it, on a new server start.
    const v = await runCli(['verify', '--source-dir', data, '--json'], { env, cwd: dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.totals.targetRows).toBe(r.json.totals.targetRows);
    expect(serverRunning(home)).toBe(false);
  });
});
