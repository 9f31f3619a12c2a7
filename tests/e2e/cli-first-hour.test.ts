// The first hour with sqlite2pg, from the real executable: --version, a bad flag value quoted back, any
// SQLite file migrated and verified in one command (no mapping file), a --source-dir of other files
// explained, a refused login named as such, a failed run's total row, and what a terminal and a cron log see.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { createDbOn, prependHba, startPaused, waitFor } from '../support/faults.js';

const fx = useFixtureTarget('s2p-first-hour-', { fixtures: false, database: false });
let app: string;

const CUSTOMERS = Array.from({ length: 300 }, (_, i) => ({
  id: i + 1,
  name: `customer ${i + 1} ${'é'.repeat(i % 3)}`,
  balance: i % 7 === 0 ? null : i * 12.25 - 100,
  photo: i % 5 === 0 ? null : Buffer.from([i % 256, 0, 255, (i * 7) % 256]),
}));
const ORDERS = Array.from({ length: 900 }, (_, i) => ({
  id: i + 1,
  customer: (i % 300) + 1,
  qty: (i % 9) + 1,
  note: i % 4 === 0 ? null : `order ${i + 1}`,
}));

beforeAll(() => {
  mkdirSync(path.join(fx.dir, 'files'));
  app = path.join(fx.dir, 'files', 'app.db');
  const db = new Database(app);
  db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, balance REAL, photo BLOB);
           CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customers(id), qty INTEGER NOT NULL, note TEXT);`);
  const c = db.prepare('INSERT INTO customers VALUES (@id, @name, @balance, @photo)');
  const o = db.prepare('INSERT INTO orders VALUES (@id, @customer, @qty, @note)');
  db.transaction(() => {
    for (const r of CUSTOMERS) c.run(r);
    for (const r of ORDERS) o.run(r);
  })();
  db.close();
});

describe('the command line', () => {
  it('--version prints the version in package.json', async () => {
    const r = await runCli(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('--jobs abc is exit 2, naming the flag and the value given', async () => {
    const r = await runCli(['migrate', app, '--jobs', 'abc', '--target', 'postgresql://127.0.0.1:1/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs must be a whole number ≥ 0 \(got "abc"\)/);
    expect(r.stderr).not.toContain('null');
  });
});

describe('any SQLite file in one command', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await fx.freshDb();
  });

  it('migrate app.db --target URL: no mapping file, every row in PostgreSQL with its values', async () => {
    const saved = path.join(fx.dir, 'saved.json');
    const r = await runCli(['migrate', app, '--target', db.url, '--json', '--save-mapping', saved]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.status).toBe('ok');
    expect(r.json.tables.map((t: { target: string; targetRows: number }) => [t.target, t.targetRows])).toEqual([
      ['app.customers', 300],
      ['app.orders', 900],
    ]);
    const customers = (await db.query('SELECT id::int AS id, name, balance, photo FROM app.customers ORDER BY id'))
      .rows;
    expect(customers).toEqual(CUSTOMERS);
    const orders = (
      await db.query(
        'SELECT id::int AS id, customer::int AS customer, qty::int AS qty, note FROM app.orders ORDER BY id',
      )
    ).rows;
    expect(orders).toEqual(ORDERS);
    // --save-mapping wrote what `init` writes for the same file, readable by its owner only.
    const init = await runCli(['init', app]);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(saved, 'utf8')).toBe(init.stdout);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
  });

  it('verify app.db: the same mapping again, exit 0', async () => {
    const r = await runCli(['verify', app, '--target', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.tables.map((t: { status: string }) => t.status)).toEqual(['match', 'match']);
  });

  it('the saved mapping is the same mapping: --mode resume keeps what the file run loaded', async () => {
    const r = await runCli([
      'migrate',
      '--mapping',
      path.join(fx.dir, 'saved.json'),
      '--source-dir',
      path.dirname(app),
      '--target',
      db.url,
      '--mode',
      'resume',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.tables.every((t: { keptFromRun?: string }) => typeof t.keptFromRun === 'string')).toBe(true);
  });

  it("a --source-dir holding none of the mapping's files: exit 2, the files it holds and the ways on", async () => {
    const r = await runCli(['migrate', '--source-dir', path.dirname(app), '--target', db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds none of the files the built-in mapping .* names \(knowledge_retention\.db/);
    expect(r.stderr).toMatch(/it holds 1 SQLite file\(s\): app\.db/);
    expect(r.stderr).toMatch(/sqlite2pg migrate \S*app\.db --target URL/);
    expect(r.stderr).toMatch(/sqlite2pg init \S*app\.db --out mapping\.json/);
    expect(r.stderr).toMatch(/--mapping mapping\.json --source-dir/);
  });

  it('plan --sql needs no source file: the DDL of the mapping alone, even from a folder without them', async () => {
    const r = await runCli(['plan', '--sql', '--source-dir', path.dirname(app)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CREATE TABLE IF NOT EXISTS "knowledge"\."knowledge_items"/);
  });

  it('files and --source-dir together are refused', async () => {
    const r = await runCli(['plan', app, '--source-dir', fx.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not both/);
  });
});

describe('a failed run', () => {
  it('shows no ✓ on its total row', async () => {
    const db = await fx.freshDb();
    const child = startPaused(
      ['migrate', app, '--target', db.url, '--retries', '0', '--jobs', '1'],
      'copy:app.customers',
    );
    await child.paused;
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %'`,
    );
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(3);
    const total = r.stdout.split('\n').find((l) => l.startsWith('total'));
    expect(total, r.stdout).toBeDefined();
    expect(total).toMatch(/✗/);
    expect(total).not.toMatch(/✓/);
    // Said once, as a sentence (the logs are text here): not also as a JSON line.
    expect(r.stderr.match(/migrate failed/g)).toHaveLength(1);
  });
});

describe('a refused login', () => {
  const own = useFixtureTarget('s2p-first-hour-pg-', { fixtures: false, database: false, ownServer: true });

  it('is named "authentication failed for user …", in check and migrate, not "NOT reachable"', async () => {
    const db = await createDbOn(own.server, 'login');
    await db.query(`CREATE ROLE s2p_who LOGIN PASSWORD 'right-pw-3'`);
    prependHba(own.server, 'host all s2p_who 127.0.0.1/32 scram-sha-256');
    await db.query('SELECT pg_reload_conf()');
    const url = own.server.urlFor(db.name, 's2p_who', 'wrong-pw-3');
    const check = await runCli(['check', '--source-dir', path.dirname(app), '--target', url]);
    expect(check.code).not.toBe(0); // 2: the folder holds none of the built-in mapping's files either
    expect(check.stdout).toMatch(/target: the server refused the login — .*authentication failed for user "s2p_who"/);
    expect(check.stdout).not.toMatch(/NOT reachable/);
    const migrate = await runCli(['migrate', app, '--target', url]);
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toMatch(/authentication failed for user "s2p_who" \(check the user and password\)/);
    expect(migrate.stderr + migrate.stdout + check.stdout).not.toContain('wrong-pw-3');
  });
});

/** Runs the CLI on a pseudo-terminal (util-linux `script`): stdout and stderr both as a person sees them. */
function onTerminal(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, SQLITE2PG_LOG_FORMAT: '', ...env, COLUMNS: '200' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('what a terminal shows', () => {
  it.skipIf(!hasScript)('short log sentences, never JSON; the progress line cleared before each log line', async () => {
    const db = await fx.freshDb();
    const r = await onTerminal(['migrate', app, '--target', db.url], { SQLITE2PG_LOG_LEVEL: 'info' });
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split(/[\r\n]+/).map((l) => l.replace(/\x1b\[K/g, ''));
    expect(
      lines.filter((l) => l.trimStart().startsWith('{')),
      r.out,
    ).toEqual([]);
    expect(r.out).toMatch(/\d\d:\d\d:\d\d info {2}migrate started/);
    expect(r.out).toMatch(/\d\d:\d\d:\d\d info {2}table loaded {2}table=app\.customers {2}rows=300/);
    expect(r.out).toMatch(/loading \d\/2 tables {2}[\d,]+\/1,200 rows/);
    expect(r.out).toMatch(/verifying \d\/2 tables {2}[\d,]+\/1,200 rows/);
    // Each log line starts on a line of its own: at the start, after a newline, or after the progress line was erased.
    const starts = [...r.out.matchAll(/\d\d:\d\d:\d\d (info|warn|error) /g)].map((m) => m.index!);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    for (const at of starts)
      expect(
        at === 0 || r.out[at - 1] === '\n' || r.out.slice(0, at).endsWith('\r\x1b[K'),
        JSON.stringify(r.out.slice(Math.max(0, at - 80), at + 40)),
      ).toBe(true);
    // The table the report prints stands on clean lines too.
    expect(r.out).toMatch(/(^|\n)total +1,200 +1,200 +0 +1,200 +✓/);
  });
});

describe('what a cron log shows (stderr not a terminal)', () => {
  const slowly = { SQLITE2PG_LOG_LEVEL: 'info', SQLITE2PG_LOG_FORMAT: '', SQLITE2PG_PROGRESS_INTERVAL_MS: '100' };
  const progressLines = (stderr: string, phase: string) =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((o) => o.phase === phase);

  it('JSON logs, and a progress line every interval while the load stands still', async () => {
    const db = await fx.freshDb();
    const child = startPaused(['migrate', app, '--target', db.url, '--jobs', '1'], 'copy:app.customers', slowly);
    let stderr = '';
    child.child.stderr!.on('data', (d) => (stderr += d));
    await child.paused;
    await waitFor('two progress log lines', async () => progressLines(stderr, 'loading').length >= 2, 30_000);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    const p = progressLines(r.stderr, 'loading')[0];
    expect(p).toMatchObject({ level: 30, tablesDone: 0, tables: 2, rows: 1200, inFlight: ['app.customers 300/300'] });
    expect(p.msg).toMatch(/^loading: 0 of 2 tables, 300 of 1,200 rows \(25 %\), [\d,]+ rows\/s, ETA /);
  });

  it('an error is one JSON line, holding the whole message', async () => {
    const r = await runCli(['migrate', path.join(fx.dir, 'nowhere.db'), '--target', 'postgresql://127.0.0.1:1/x'], {
      env: { SQLITE2PG_LOG_FORMAT: '' },
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 50,
      command: 'migrate',
      exitCode: 2,
      kind: 'source',
      file: 'nowhere.db',
    });
    expect(JSON.parse(lines[0]).msg).toMatch(
      /^sqlite2pg migrate: source nowhere\.db \(.*nowhere\.db\) does not exist$/,
    );
  });

  it('verify too', async () => {
    const db = await fx.freshDb();
    expect((await runCli(['migrate', app, '--target', db.url])).code).toBe(0);
    const child = startPaused(['verify', app, '--target', db.url, '--jobs', '1'], 'verify-table:app.orders', slowly);
    let stderr = '';
    child.child.stderr!.on('data', (d) => (stderr += d));
    await child.paused;
    await waitFor('a verify progress log line', async () => progressLines(stderr, 'verifying').length >= 1, 30_000);
    // Paused before app.orders: it is not done, whichever order the two tables are verified in.
    const paused = progressLines(stderr, 'verifying').at(-1);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(paused).toMatchObject({ level: 30, tables: 2, rows: 1200 });
    expect(paused.tablesDone).toBeLessThan(2);
    expect(paused.msg).toMatch(/^verifying: [01] of 2 tables, [\d,]+ of 1,200 rows/);
  });
});

describe('identifiers', () => {
  it('init writes snake_case names by default; --identifiers keep keeps them as written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 's2p-ident-'));
    try {
      const file = path.join(dir, 'Shop Data.db');
      const d = new Database(file);
      d.exec(
        'CREATE TABLE "itemTypes" ("ItemTypeID" INTEGER PRIMARY KEY, "Display Name" TEXT); INSERT INTO "itemTypes" VALUES (1, \'x\')',
      );
      d.close();
      const snake = await runCli(['init', file]);
      expect(snake.code, snake.stderr).toBe(0);
      const m = JSON.parse(snake.stdout);
      expect(m.sources[0].schema).toBe('shop_data');
      expect(m.sources[0].tables[0].target).toBe('item_types');
      expect(m.sources[0].tables[0].columns.map((c: { name: string }) => c.name)).toEqual([
        'item_type_id',
        'display_name',
      ]);
      const kept = JSON.parse((await runCli(['init', file, '--identifiers', 'keep'])).stdout);
      expect(kept.sources[0].tables[0].target).toBe('itemTypes');
      expect(kept.sources[0].tables[0].columns.map((c: { name: string }) => c.name)).toEqual([
        'ItemTypeID',
        'Display Name',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
