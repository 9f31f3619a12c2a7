// Partial and expression indexes, views and foreign keys in a cycle of a SQLite file arrive in PostgreSQL: `init`
// translates their
// SQL, the migrate builds them after the load, verify's structure check knows the indexes, and the partial
// UNIQUE index keeps refusing what SQLite refused. One PostgreSQL refuses is a warning of the run, by name,
// with why (a required view: exit 1); rollback removes the views it created.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import type { Mapping } from '../../src/model/mapping-types.js';

const fx = useFixtureTarget('s2p-ported-', { fixtures: false, database: false });
let file: string;

const ROWS: [string | null, string | null, number, number | null][] = [
  ['ann@example.com', 'Ann', 0, 2.5],
  ['', 'Bob', 0, 1],
  ['', null, 1, null],
  ['cy@example.com', 'Cy', 0, 3],
  [null, "O'Brien \\ x", 1, 0.5],
];

beforeAll(() => {
  file = path.join(fx.dir, 'app.db');
  const d = new Database(file);
  d.exec(`
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, deleted INTEGER NOT NULL DEFAULT 0, score REAL);
    CREATE UNIQUE INDEX users_email ON users (email) WHERE email != '';
    CREATE INDEX users_lower_name ON users (lower(name) DESC, id);
    CREATE INDEX users_live ON users (id) WHERE deleted == 0 AND ifnull(score, 0) > 1.5;
    CREATE INDEX users_glob ON users (name) WHERE name GLOB 'a*';
    CREATE VIEW live_users AS SELECT u.id, u.email AS "Address" FROM users AS u WHERE deleted = 0 AND EXISTS (SELECT 1 FROM users x WHERE x.id = u.id);
    CREATE VIEW high_scores AS SELECT name FROM users WHERE score LIKE '2%';
    CREATE VIEW stamped AS SELECT id, datetime('now') AS at FROM users;
    CREATE VIEW a_live_count AS SELECT count(*) AS n FROM live_users;`);
  const ins = d.prepare('INSERT INTO users (email, name, deleted, score) VALUES (?, ?, ?, ?)');
  for (const r of ROWS) ins.run(...r);
  d.close();
});

async function initMapping(): Promise<{ path: string; mapping: Mapping }> {
  const out = path.join(fx.dir, 'mapping.json');
  const init = await runCli(['init', file, '--out', out]);
  expect(init.code, init.stderr).toBe(0);
  return { path: out, mapping: JSON.parse(readFileSync(out, 'utf8')) as Mapping };
}

const indexDefs = async (db: TestDatabase) =>
  Object.fromEntries(
    (await db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'app' ORDER BY 1`)).rows.map((r) => [
      r.indexname,
      r.indexdef,
    ]),
  );

describe('partial and expression indexes', () => {
  it('are translated by init, built by migrate, checked by verify; what cannot be translated is listed with why', async () => {
    const { path: mappingPath, mapping } = await initMapping();
    const source = mapping.sources[0];
    expect(source.tables[0].indexes).toEqual([
      { name: 'users_email', columns: ['email'], where: expect.stringMatching(/^"email" != E?''$/), unique: true },
      { name: 'users_lower_name', expressions: ['lower("name") DESC', '"id"'] },
      { name: 'users_live', columns: ['id'], where: '"deleted" = 0 AND coalesce("score", 0) > 1.5' },
    ]);
    expect(source.notMigrated).toContainEqual(
      expect.objectContaining({ kind: 'index', name: 'users_glob', reason: expect.stringMatching(/GLOB/) }),
    );

    const db = await fx.freshDb();
    const target = ['--mapping', mappingPath, '--source-dir', fx.dir, '--target', db.url, '--json'];
    const m = await runCli(['migrate', ...target]);
    expect(m.code, m.stderr).toBe(0);
    expect((m.json.warnings as string[]).filter((w) => /index .* not created/.test(w))).toEqual([]);
    const defs = await indexDefs(db);
    expect(defs.users_email).toMatch(
      /CREATE UNIQUE INDEX users_email ON app\.users USING btree \(email\) WHERE \(email <> ''::text\)/,
    );
    expect(defs.users_lower_name).toMatch(/\(lower\(name\) DESC, id\)/);
    expect(defs.users_live).toMatch(
      /WHERE \(\(deleted = 0\) AND \(COALESCE\(score, \(0\)::double precision\) > \(1\.5\)::double precision\)\)/,
    );
    expect(defs.users_glob).toBeUndefined();

    const rows = (
      await db.query('SELECT email, name, deleted::int AS deleted, score FROM app.users ORDER BY id')
    ).rows.map((r) => [r.email, r.name, r.deleted, r.score]);
    expect(rows).toEqual(ROWS);
    // The partial UNIQUE index still refuses a second address, and still lets empty ones repeat.
    await expect(db.query(`INSERT INTO app.users (email, name) VALUES ('ann@example.com', 'again')`)).rejects.toThrow(
      /users_email/,
    );
    await db.query(`INSERT INTO app.users (email, name) VALUES ('', 'third empty')`);
    await db.query(`DELETE FROM app.users WHERE name = 'third empty'`);

    const v = await runCli(['verify', ...target]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.tables[0].structure ?? []).toEqual([]);

    // Missing, a ported index is a warning (the migrate may have had it refused); changed, a difference.
    await db.query('DROP INDEX app.users_lower_name');
    const gone = await runCli(['verify', ...target]);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.json.tables[0].structure).toEqual([
      {
        object: 'index users_lower_name',
        problem: 'missing',
        expected: '2 keys with expressions',
        severity: 'warning',
      },
    ]);
    await db.query('CREATE INDEX users_lower_name ON app.users (lower(name))');
    const changed = await runCli(['verify', ...target]);
    expect(changed.code).toBe(1);
    expect(changed.json.tables[0].structure).toEqual([
      {
        object: 'index users_lower_name',
        problem: 'different',
        expected: '2 keys with expressions',
        found: '1 key with expressions',
      },
    ]);
  });

  it('one that PostgreSQL refuses is a warning naming it and the server’s reason; the run still exits 0', async () => {
    const { path: mappingPath, mapping } = await initMapping();
    const live = mapping.sources[0].tables[0].indexes!.find((ix) => ix.name === 'users_live')!;
    live.where = '"deleted" = true'; // bigint = boolean: PostgreSQL has no such operator
    writeFileSync(mappingPath, JSON.stringify(mapping));
    const db = await fx.freshDb();
    const target = ['--mapping', mappingPath, '--source-dir', fx.dir, '--target', db.url, '--json'];
    const m = await runCli(['migrate', ...target]);
    expect(m.code, m.stderr).toBe(0);
    expect((m.json.warnings as string[]).filter((w) => /index .* not created/.test(w))).toEqual([
      expect.stringMatching(
        /^app\.users: index users_live not created: PostgreSQL refused it \(operator does not exist: bigint = boolean\)/,
      ),
    ]);
    expect(Object.keys(await indexDefs(db)).sort()).toEqual(['users_email', 'users_lower_name', 'users_pkey']);
    const v = await runCli(['verify', ...target]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.tables[0].structure).toEqual([
      { object: 'index users_live', problem: 'missing', expected: '1 key, partial', severity: 'warning' },
    ]);
  });
});

describe('views', () => {
  it('are translated by init, created after the tables, refused ones warned about, and removed by rollback', async () => {
    const { path: mappingPath, mapping } = await initMapping();
    const source = mapping.sources[0];
    expect(source.views).toEqual([
      {
        name: 'live_users',
        sql: 'SELECT "u"."id", "u"."email" AS "Address" FROM "app"."users" AS "u" WHERE "deleted" = 0 AND EXISTS (SELECT 1 FROM "app"."users" "x" WHERE "x"."id" = "u"."id")',
      },
      {
        name: 'high_scores',
        sql: expect.stringMatching(/^SELECT "name" FROM "app"\."users" WHERE "score" LIKE E?'2%'$/),
      },
      // A view of a view: the view it reads is named as the target's view.
      { name: 'a_live_count', sql: 'SELECT count(*) AS "n" FROM "app"."live_users"' },
    ]);
    expect(source.notMigrated).toContainEqual(
      expect.objectContaining({ kind: 'view', name: 'stamped', reason: expect.stringMatching(/datetime\(\)/) }),
    );

    const db = await fx.freshDb();
    const target = ['--mapping', mappingPath, '--source-dir', fx.dir, '--target', db.url, '--json'];
    const m = await runCli(['migrate', ...target]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.json.warnings).toContainEqual(
      expect.stringMatching(
        /^view app\.high_scores not created: PostgreSQL refused it \(operator does not exist: double precision ~~/,
      ),
    );
    const live = await db.query('SELECT id::int AS id, "Address" FROM app.live_users ORDER BY id');
    expect(live.rows).toEqual([
      { id: 1, Address: 'ann@example.com' },
      { id: 2, Address: '' },
      { id: 4, Address: 'cy@example.com' },
    ]);
    // Created although it comes first and reads a view made after it (views are tried again until none is made).
    expect((await db.query('SELECT n::int AS n FROM app.a_live_count')).rows).toEqual([{ n: 3 }]);

    const r = await runCli(['rollback', '--target', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(
      (
        await db
          .query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'app'::regnamespace`)
          .catch(() => ({ rows: [{ n: 0 }] }))
      ).rows[0].n,
    ).toBe(0);
  });

  it('a required view PostgreSQL refuses makes the migrate exit 1, naming it', async () => {
    const { path: mappingPath, mapping } = await initMapping();
    mapping.sources[0].views!.find((v) => v.name === 'high_scores')!.required = true;
    writeFileSync(mappingPath, JSON.stringify(mapping));
    const db = await fx.freshDb();
    const m = await runCli(['migrate', '--mapping', mappingPath, '--source-dir', fx.dir, '--target', db.url]);
    expect(m.code, m.stderr).toBe(1);
    expect(m.stdout).toMatch(/warning: view app\.high_scores not created: .* — the mapping marks it required/);
    expect(m.stdout).toMatch(/DIFFERENCES: see the warnings/);
  });
});

describe('foreign keys in a cycle', () => {
  function cycleFile(name: string, orphan: boolean): string {
    const f = path.join(fx.dir, name);
    const d = new Database(f);
    d.pragma('foreign_keys = OFF');
    d.exec(`
      CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT, captain_id INTEGER REFERENCES players(id));
      CREATE TABLE players (id INTEGER PRIMARY KEY, name TEXT, team_id INTEGER REFERENCES teams(id));
      INSERT INTO teams VALUES (1, 'Reds', 10), (2, 'Blues', 11);
      INSERT INTO players VALUES (10, 'Ann', 1), (11, 'Bob', 2), (12, 'Cy', ${orphan ? 99 : 'NULL'});`);
    d.close();
    return f;
  }

  async function run(file: string) {
    const out = path.join(fx.dir, `${path.basename(file)}.json`);
    const init = await runCli(['init', file, '--out', out]);
    expect(init.code, init.stderr).toBe(0);
    const db = await fx.freshDb();
    const target = ['--mapping', out, '--source-dir', fx.dir, '--target', db.url, '--json'];
    return { init, db, target, migrate: await runCli(['migrate', ...target]) };
  }

  const fks = async (db: TestDatabase) =>
    (
      await db.query(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = ANY (SELECT oid FROM pg_namespace WHERE nspname LIKE 'cycle%') ORDER BY 1`,
      )
    ).rows.map((r) => r.conname);

  it('both keys arrive: one while loading, the one closing the cycle after every table is in', async () => {
    const { db, target, migrate } = await run(cycleFile('cycle.db', false));
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.json.warnings ?? []).toEqual([]);
    expect(await fks(db)).toEqual(['players_team_id_fkey', 'teams_captain_id_fkey']);
    expect((await db.query('SELECT id::int, name, captain_id::int FROM cycle.teams ORDER BY id')).rows).toEqual([
      { id: 1, name: 'Reds', captain_id: 10 },
      { id: 2, name: 'Blues', captain_id: 11 },
    ]);
    expect((await db.query('SELECT id::int, team_id::int FROM cycle.players ORDER BY id')).rows).toEqual([
      { id: 10, team_id: 1 },
      { id: 11, team_id: 2 },
      { id: 12, team_id: null },
    ]);
    const v = await runCli(['verify', ...target]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('a row pointing at nothing: the closing key is refused with PostgreSQL’s words, every row loads, verify warns', async () => {
    const { init, db, target, migrate } = await run(cycleFile('cycle_orphan.db', true));
    // players' key to teams closes the cycle (teams → players came first): it is the one added after the load.
    expect(init.stderr).toMatch(
      /players: foreign key \(team_id\) → teams: 1 rows point at no row of teams; the key closes a cycle/,
    );
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(await fks(db)).toEqual(['teams_captain_id_fkey']);
    expect((await db.query('SELECT team_id::int FROM cycle_orphan.players WHERE id = 12')).rows).toEqual([
      { team_id: 99 },
    ]);
    expect(migrate.json.warnings).toEqual([
      expect.stringMatching(
        /^cycle_orphan\.players: foreign key players_team_id_fkey \(closing a cycle, added after the load\) not created: PostgreSQL refused it \(.*violates foreign key constraint/,
      ),
    ]);
    expect(migrate.json.totals).toMatchObject({ sourceRows: 5, loadedRows: 5, rejectedRows: 0 });
    const v = await runCli(['verify', ...target]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.tables.flatMap((t: { structure?: { severity?: string }[] }) => t.structure ?? [])).toEqual([
      expect.objectContaining({ problem: 'missing', severity: 'warning' }),
    ]);
  });
});
