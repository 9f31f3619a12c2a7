// Security: a password never appears in logs, reports, errors or the ledger, wherever the URL came from
// (--target, DATABASE_URL, a password= query parameter); TLS settings in the URL are honoured; and
// every identifier reaching PostgreSQL is quoted (a mapping of hostile names migrates, verifies and
// rolls back). On a server of the test's own, with password logins and TLS.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createDbOn, prependHba, serverOwner, startPaused } from '../support/faults.js';
import { useFixtureTarget } from '../support/fixture-target.js';

const PASSWORD = 'S3cr3t+p@ss/w0rd';
const ENCODED = encodeURIComponent(PASSWORD); // S3cr3t%2Bp%40ss%2Fw0rd
const FORMS = [PASSWORD, ENCODED, 'S3cr3t'];

const fx = useFixtureTarget('s2p-security-', { database: false, ownServer: true });
let db: TestDatabase;
let cert: string;
let tls = false;

beforeAll(async () => {
  // TLS: a self-signed certificate for 127.0.0.1, which is also the root a client may trust.
  cert = path.join(fx.dir, 'server.crt');
  const key = path.join(fx.server.dataDir, 'server.key');
  // Without openssl the server stays without TLS, and the tests that need it are skipped.
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
  tls = made.status === 0;
  db = await createDbOn(fx.server, 'secure');
  if (tls) {
    copyFileSync(cert, path.join(fx.server.dataDir, 'server.crt'));
    const owner = serverOwner();
    for (const f of ['server.key', 'server.crt'])
      if (owner) chownSync(path.join(fx.server.dataDir, f), owner.uid, owner.gid);
    chmodSync(key, 0o600);
    await db.query(`ALTER SYSTEM SET ssl = on`);
  }
  await db.query(`CREATE ROLE s2p_secret LOGIN PASSWORD '${PASSWORD}'`);
  await db.query('ALTER DATABASE secure OWNER TO s2p_secret');
  prependHba(fx.server, 'host all s2p_secret 127.0.0.1/32 scram-sha-256');
  await db.query('SELECT pg_reload_conf()');
});

/** The URL of the secure database as user s2p_secret, the password in the user part or as a query parameter. */
function secretUrl(how: 'userinfo' | 'query', extra = ''): string {
  const base = `postgresql://s2p_secret${how === 'userinfo' ? `:${ENCODED}` : ''}@127.0.0.1:${fx.server.port}/secure`;
  const query = [how === 'query' ? `password=${ENCODED}` : '', extra].filter(Boolean).join('&');
  return query ? `${base}?${query}` : base;
}

function expectNoSecret(what: string, text: string): void {
  for (const form of FORMS) expect(text.includes(form), `${what} holds the password (${form})`).toBe(false);
}

describe('passwords stay out of everything sqlite2pg writes', () => {
  it('from --target, DATABASE_URL or a password= parameter; in success, failure and refusal', async () => {
    const outputs: [string, CliResult][] = [];
    const env = { SQLITE2PG_LOG_LEVEL: 'debug' };
    const report = path.join(fx.dir, 'report.json');
    const run = async (what: string, args: string[], extraEnv: Record<string, string> = {}) => {
      const r = await runCli(args, { env: { ...env, ...extraEnv } });
      outputs.push([what, r]);
      return r;
    };
    // Success, the URL in --target (password in the user part), with a report file.
    const m = await run('migrate --target', [
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      secretUrl('userinfo'),
      '--json',
      '--report',
      report,
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.json.target).toBe(`postgresql://s2p_secret:***@127.0.0.1:${fx.server.port}/secure`);
    // The URL from DATABASE_URL, password as a query parameter.
    const v = await run('verify via DATABASE_URL', ['verify', '--source-dir', fx.data, '--json'], {
      DATABASE_URL: secretUrl('query'),
    });
    expect(v.code, v.stderr).toBe(0);
    expect((await run('history', ['history', '--target', secretUrl('query')])).code).toBe(0);
    expect((await run('check', ['check', '--source-dir', fx.data, '--target', secretUrl('userinfo')])).code).toBe(0);
    // A refusal (fresh onto tables holding rows) and a failure mid-run (its connection cut, no retries).
    expect((await run('refused', ['migrate', '--source-dir', fx.data, '--target', secretUrl('userinfo')])).code).toBe(
      2,
    );
    const child = startPaused(
      [
        'migrate',
        '--source-dir',
        fx.data,
        '--target',
        secretUrl('query'),
        '--mode',
        'truncate',
        '--retries',
        '0',
        '--json',
      ],
      'copy:knowledge.knowledge_items',
      env,
    );
    await child.paused;
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'secure' AND query LIKE 'COPY %'`,
    );
    child.resume();
    const failed = await child.done;
    outputs.push(['failed migrate', failed]);
    expect(failed.code, failed.stderr).toBe(3);
    // A wrong password, in either place.
    for (const how of ['userinfo', 'query'] as const) {
      const wrong = await runCli(['history', '--target', secretUrl(how).replace(ENCODED, `${ENCODED}x`)], { env });
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/authentication failed/);
      outputs.push([`wrong password (${how})`, wrong]);
    }
    expect((await run('rollback', ['rollback', '--target', secretUrl('userinfo'), '--json'])).code).toBe(0);

    for (const [what, r] of outputs) {
      expectNoSecret(`${what}: stdout`, r.stdout);
      expectNoSecret(`${what}: stderr`, r.stderr);
    }
    expectNoSecret('the report file', readFileSync(report, 'utf8'));
    // The whole ledger, every table of it, as text.
    const tables = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'sqlite2pg'`);
    for (const t of tables.rows) {
      const dump = await db.query(
        `SELECT coalesce(string_agg(x::text, E'\\n'), '') AS d FROM sqlite2pg."${t.table_name}" x`,
      );
      expectNoSecret(`sqlite2pg.${t.table_name}`, dump.rows[0].d);
    }
    const errors = await db.query(`SELECT count(*)::int AS n FROM sqlite2pg.runs WHERE error IS NOT NULL`);
    expect(errors.rows[0].n).toBeGreaterThan(0); // the failure was recorded, without the password
  });
});

describe('TLS settings in the URL are honoured', () => {
  /** Whether the COPY connection of a migrate paused mid-COPY uses TLS. */
  async function copyUsesTls(url: string): Promise<boolean> {
    const target = await createDbOn(fx.server, `tls_${Math.random().toString(36).slice(2, 8)}`);
    const child = startPaused(
      ['migrate', '--source-dir', fx.data, '--target', target.url.replace(/\?.*$/, '') + url, '--jobs', '1'],
      'copy:knowledge.knowledge_items',
    );
    try {
      await child.paused;
      const r = await db.query(
        `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1 AND a.query LIKE 'COPY %'`,
        [target.name],
      );
      child.resume();
      const end = await child.done;
      expect(end.code, end.stderr).toBe(0);
      return r.rows[0].ssl as boolean;
    } finally {
      await target.drop();
    }
  }

  it('sslmode=verify-full with sslrootcert: an encrypted, verified connection', async (ctx) => {
    if (!tls) return ctx.skip(); // no openssl to make a certificate with
    expect(await copyUsesTls(`?sslmode=verify-full&sslrootcert=${cert}`)).toBe(true);
  });

  it('sslmode=disable: plain text even though the server offers TLS', async (ctx) => {
    if (!tls) return ctx.skip();
    expect(await copyUsesTls('?sslmode=disable')).toBe(false);
  });

  it('sslmode=verify-full without a trusted root: refused, exit 3, saying why', async (ctx) => {
    if (!tls) return ctx.skip();
    const r = await runCli(['history', '--target', `${fx.server.urlFor('secure')}?sslmode=verify-full`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to .*: self[- ]signed certificate/);
  });

  describe('against a server without TLS', () => {
    let plain: TestDatabase;
    let plainHasTls = false;
    beforeAll(async () => {
      plain = await createTestDatabase(); // the test server: without TLS (skipped if it has it)
      plainHasTls = (await plain.query('SHOW ssl')).rows[0].ssl === 'on';
    });
    afterAll(async () => plain?.drop());

    it('sslmode=require: exit 3 at once with a clear message', async (ctx) => {
      if (plainHasTls) return ctx.skip();
      const t0 = Date.now();
      const r = await runCli(['history', '--target', `${plain.url}?sslmode=require`]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/cannot connect to .*sslmode=require.*: The server does not support SSL connections/);
      expect(Date.now() - t0).toBeLessThan(5000);
    });

    it('sslmode=disable works; sslmode=prefer falls back to plain text as libpq does', async (ctx) => {
      if (plainHasTls) return ctx.skip();
      expect((await runCli(['history', '--target', `${plain.url}?sslmode=disable`])).code).toBe(0);
      const p = await runCli(['history', '--target', `${plain.url}?sslmode=prefer`], {
        env: { SQLITE2PG_LOG_LEVEL: 'info' },
      });
      expect(p.code, p.stderr).toBe(0);
      expect(p.stderr).toMatch(/the server offers no TLS: connecting in plain text/);
    });
  });
});

describe('every identifier is quoted', () => {
  it('a mapping of hostile names (quotes, semicolons, spaces, dots, keywords, case, accents) migrates, verifies and rolls back', async () => {
    const src = path.join(fx.dir, 'hostile');
    mkdirSync(src);
    const sqlite = new Database(path.join(src, 'odd.db'));
    sqlite.exec(`
      CREATE TABLE "Parent ""P""; DROP TABLE x" ("Id" INTEGER PRIMARY KEY AUTOINCREMENT, "select" TEXT NOT NULL);
      CREATE TABLE "child.items" ("id" INTEGER PRIMARY KEY, "parent Id" INTEGER, "naïve Ünïcode" REAL, "col""quote" TEXT);
      INSERT INTO "Parent ""P""; DROP TABLE x" ("select") VALUES ('a'), ('b'), ('c');
      INSERT INTO "child.items" VALUES (1, 1, 1.5, 'x'), (2, 2, 2.5, 'y'), (3, 99, 3.5, 'orphan');`);
    sqlite.close();
    const schema = 'S2p "Odd"; Schema';
    const mapping = {
      version: 1,
      name: 'hostile',
      sources: [
        {
          file: 'odd.db',
          schema,
          tables: [
            {
              source: 'Parent "P"; DROP TABLE x',
              target: 'Parent "P"; DROP TABLE x',
              primaryKey: ['Id'],
              columns: [
                { name: 'Id', type: 'bigint', from: 'Id', serial: true, nullable: false },
                { name: 'select', type: 'text', from: 'select', nullable: false },
              ],
              indexes: [{ name: 'ix "select"; --', columns: ['select'] }],
              unique: [{ name: 'uq "sel"', columns: ['select'] }],
            },
            {
              source: 'child.items',
              target: 'child.items',
              primaryKey: ['id'],
              columns: [
                { name: 'id', type: 'bigint', from: 'id' },
                { name: 'parent Id', type: 'bigint', from: 'parent Id' },
                { name: 'naïve Ünïcode', type: 'double precision', from: 'naïve Ünïcode' },
                { name: 'col"quote', type: 'text', from: 'col"quote' },
              ],
              foreignKeys: [
                {
                  name: 'fk "parent"',
                  columns: ['parent Id'],
                  references: `${schema}.Parent "P"; DROP TABLE x`,
                  referencedColumns: ['Id'],
                },
              ],
            },
          ],
        },
      ],
    };
    const mappingFile = path.join(fx.dir, 'hostile.json');
    writeFileSync(mappingFile, JSON.stringify(mapping, null, 2));
    const target = await createTestDatabase();
    try {
      const m = await runCli([
        'migrate',
        '--source-dir',
        src,
        '--mapping',
        mappingFile,
        '--target',
        target.url,
        '--json',
      ]);
      expect(m.code, m.stderr).toBe(0);
      expect(m.json.totals).toMatchObject({ sourceRows: 6, loadedRows: 5, rejectedRows: 1 });
      const t = await target.query(
        `SELECT "select" FROM "S2p ""Odd""; Schema"."Parent ""P""; DROP TABLE x" ORDER BY "Id"`,
      );
      expect(t.rows.map((r) => r.select)).toEqual(['a', 'b', 'c']);
      const fk = await target.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'fk "parent"'`);
      expect(fk.rows[0].n).toBe(1);
      expect(
        (await runCli(['verify', '--source-dir', src, '--mapping', mappingFile, '--target', target.url])).code,
      ).toBe(0);
      const rb = await runCli(['rollback', '--target', target.url, '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(rb.json.droppedSchemas).toEqual([schema]);
    } finally {
      await target.drop();
    }
  });
});
