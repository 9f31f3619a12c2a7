// One large value must not make verification impossible: a 100 MB BLOB and a 40 MB TEXT migrate and
// verify (exit 0) in memory bounded by a small multiple of the value, arrive byte for byte, and a one-byte
// change to either is reported (exit 1); a row past the limit is refused before anything runs (exit 2).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { ROW_BYTES_LIMIT } from '../../src/extract/row-size.js';

const MB = 1024 * 1024;
const BLOB_BYTES = 100 * MB;
/** Memory the test allows the CLI process: a small multiple of the value, plus the process's own. */
const PEAK_LIMIT = 8 * BLOB_BYTES + 400 * MB;

const fx = useFixtureTarget('s2p-large-', { fixtures: false });
let mapping: string;
const blob = randomBytes(BLOB_BYTES);
// 40 MB of text with every character COPY escapes, and characters of 2, 3 and 4 UTF-8 bytes.
const text = (randomBytes(10 * MB).toString('base64') + 'a\tb\nc\\d\re é € 𝄞 ').repeat(3).slice(0, 40 * MB);
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
// A table with a numeric column goes to COPY in text format: its BLOB as hex written into the batch.
const textCopyBlob = randomBytes(8 * MB);

/**
 * Runs the CLI and reads its peak resident memory (VmHWM, threads included) from /proc while it runs:
 * the last reading before it exits is the run's peak, near enough.
 */
function runMeasured(args: string[]): Promise<{ code: number; stdout: string; stderr: string; peakBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, SQLITE2PG_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        /* exited */
      }
    };
    const timer = setInterval(sample, 50);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code: code ?? -1, stdout, stderr, peakBytes: peak });
    });
  });
}

beforeAll(async () => {
  mkdirSync(fx.data);
  const s = new Database(path.join(fx.data, 'media.db'));
  s.exec(
    'CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT, data BLOB); CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);',
  );
  s.exec('CREATE TABLE priced (id INTEGER PRIMARY KEY, price DECIMAL(10,2), data BLOB);');
  s.prepare('INSERT INTO priced VALUES (?, ?, ?)').run(1, 12.5, textCopyBlob);
  s.prepare('INSERT INTO priced VALUES (?, ?, ?)').run(2, 3, Buffer.from('\\\t\n'));
  s.prepare('INSERT INTO files VALUES (?, ?, ?)').run(1, 'small', Buffer.from([0, 1, 2]));
  s.prepare('INSERT INTO files VALUES (?, ?, ?)').run(2, 'large', blob);
  s.prepare('INSERT INTO docs VALUES (?, ?)').run(1, 'short');
  s.prepare('INSERT INTO docs VALUES (?, ?)').run(2, text);
  s.close();
  mapping = path.join(fx.dir, 'mapping.json');
  const init = await runCli(['init', path.join(fx.data, 'media.db'), '--out', mapping]);
  expect(init.code, init.stderr).toBe(0);
}, 120_000);

describe('large values', () => {
  it('a 100 MB BLOB and a 40 MB TEXT migrate and verify, byte for byte, in bounded memory', async () => {
    const m = await runMeasured([
      'migrate',
      '--source-dir',
      fx.data,
      '--mapping',
      mapping,
      '--target',
      fx.db.url,
      '--json',
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.peakBytes).toBeGreaterThan(0);
    expect(m.peakBytes).toBeLessThan(PEAK_LIMIT);
    const files = await fx.db.query(`SELECT id, md5(data) AS md5, length(data) AS n FROM media.files ORDER BY id`);
    expect(files.rows).toEqual([
      { id: '1', md5: md5(Buffer.from([0, 1, 2])), n: 3 },
      { id: '2', md5: md5(blob), n: BLOB_BYTES },
    ]);
    const docs = await fx.db.query(`SELECT md5(body) AS md5, length(body) AS n FROM media.docs WHERE id = 2`);
    expect(docs.rows[0]).toEqual({ md5: md5(text), n: [...text].length });
    const priced = await fx.db.query(`SELECT id, price::text AS price, md5(data) AS md5 FROM media.priced ORDER BY id`);
    expect(priced.rows).toEqual([
      { id: '1', price: '12.5', md5: md5(textCopyBlob) },
      { id: '2', price: '3', md5: md5(Buffer.from('\\\t\n')) },
    ]);

    const v = await runMeasured([
      'verify',
      '--source-dir',
      fx.data,
      '--mapping',
      mapping,
      '--target',
      fx.db.url,
      '--json',
    ]);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).tables.map((t: { status: string }) => t.status)).toEqual(['match', 'match', 'match']);
    expect(v.peakBytes).toBeLessThan(PEAK_LIMIT);
  }, 600_000);

  it('one byte changed in the BLOB, one character in the TEXT: both rows reported as changed', async () => {
    const at = 77 * MB + 5; // 0-based
    await fx.db.query(`UPDATE media.files SET data = set_byte(data, $1, $2) WHERE id = 2`, [at, blob[at] ^ 0xff]);
    const ch = [...text][30 * MB] === 'Z' ? 'Y' : 'Z';
    await fx.db.query(`UPDATE media.docs SET body = overlay(body placing $1 from $2 for 1) WHERE id = 2`, [
      ch,
      30 * MB + 1,
    ]);
    const v = await runMeasured([
      'verify',
      '--source-dir',
      fx.data,
      '--mapping',
      mapping,
      '--target',
      fx.db.url,
      '--json',
    ]);
    expect(v.code, v.stderr).toBe(1);
    const tables = JSON.parse(v.stdout).tables as {
      target: string;
      differences: { changed: number; missing: number; extra: number; samples: { key: string; columns?: string[] }[] };
    }[];
    const files = tables.find((t) => t.target === 'media.files')!;
    const docs = tables.find((t) => t.target === 'media.docs')!;
    expect(files.differences).toMatchObject({ changed: 1, missing: 0, extra: 0 });
    expect(files.differences.samples).toMatchObject([{ key: '2', columns: ['data'] }]);
    expect(docs.differences).toMatchObject({ changed: 1, missing: 0, extra: 0 });
    expect(docs.differences.samples).toMatchObject([{ key: '2', columns: ['body'] }]);
    expect(v.peakBytes).toBeLessThan(PEAK_LIMIT);
  }, 600_000);

  it('a row past the limit is refused by plan and migrate with exit 2, naming it, before the target is touched', async () => {
    const bigDir = path.join(fx.dir, 'big');
    mkdirSync(bigDir);
    const s = new Database(path.join(bigDir, 'huge.db'));
    s.exec('CREATE TABLE scans (id INTEGER PRIMARY KEY, page BLOB)');
    s.prepare("INSERT INTO scans VALUES (1, x'00')").run();
    s.prepare('INSERT INTO scans VALUES (42, zeroblob(?))').run(ROW_BYTES_LIMIT + 1);
    s.close();
    const bigMapping = path.join(fx.dir, 'big.json');
    const init = await runCli(['init', path.join(bigDir, 'huge.db'), '--out', bigMapping]);
    expect(init.code, init.stderr).toBe(0);
    const plan = await runCli(['plan', '--source-dir', bigDir, '--mapping', bigMapping]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/source huge\.db, table scans, row 42: .*column page/);
    expect(plan.stderr).toContain(`${ROW_BYTES_LIMIT} bytes`);
    const target = await createTestDatabase();
    try {
      const m = await runCli(['migrate', '--source-dir', bigDir, '--mapping', bigMapping, '--target', target.url]);
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(/table scans, row 42/);
      const schemas = await target.query(
        `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ('huge', 'sqlite2pg')`,
      );
      expect(schemas.rows[0].n).toBe(0);
    } finally {
      await target.drop();
    }
  }, 300_000);
});
