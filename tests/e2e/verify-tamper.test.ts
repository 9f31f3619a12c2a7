// verify as the oracle, from the real executable: a migrated target is tampered with and verify must report
// exactly the real differences, by key — and nothing for an equal rewrite; keyless tables, --sample-rows,
// --grace, structure problems and every report format.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MAPPING_PATH } from '../../src/mapping/load-mapping.js';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';

const fx = useFixtureTarget('s2p-verify-', { database: false });
let db: TestDatabase;

type TableJson = {
  target: string;
  status: string;
  sourceRows: number;
  rejectedRows: number;
  targetRows: number;
  notCompared?: string;
  checksum: { match: boolean };
  differences: {
    missing: number;
    extra: number;
    changed: number;
    samples: {
      key: string;
      kind: string;
      columns?: string[];
      values?: { column: string; source: string | null; target: string | null }[];
    }[];
  };
  structure?: { object: string; problem: string }[];
  accounting: Record<string, number>;
  excludedByGrace?: number;
};

const table = (json: { tables: TableJson[] }, name: string) => json.tables.find((t) => t.target === name)!;
const others = (json: { tables: TableJson[] }, ...names: string[]) =>
  json.tables.filter((t) => !names.includes(t.target));

async function migratedDatabase(sourceDir = fx.data, extra: string[] = []): Promise<TestDatabase> {
  const d = await fx.freshDb();
  const m = await runCli(['migrate', '--source-dir', sourceDir, '--target', d.url, '--json', ...extra]);
  expect(m.code, m.stderr).toBe(0);
  return d;
}

const verify = (d: TestDatabase, ...args: string[]) =>
  runCli(['verify', '--source-dir', fx.data, '--target', d.url, '--json', ...args]);

/** The next double above x (one unit in the last place). */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + (x >= 0 ? 1n : -1n));
  return view.getFloat64(0);
}

/**
 * The same JSON meaning written differently: keys in reverse order, spaces, integers as `NeO`, decimals with a trailing
 * zero.
 */
function rewriteJson(v: unknown): string {
  if (Array.isArray(v)) return `[ ${v.map(rewriteJson).join(' , ')} ]`;
  if (v !== null && typeof v === 'object')
    return `{ ${Object.entries(v)
      .reverse()
      .map(([k, x]) => `${JSON.stringify(k)} : ${rewriteJson(x)}`)
      .join(' , ')} }`;
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}e0` : String(v).includes('e') ? String(v) : `${v}0`;
  return JSON.stringify(v);
}

beforeAll(async () => {
  db = await migratedDatabase();
});

describe('verify reports exactly the real differences, by key', () => {
  it('one character, one float by one ulp, a deleted row, an added row — and nothing for an equal jsonb rewrite', async () => {
    const clean = await verify(db);
    expect(clean.code, clean.stderr).toBe(0);
    expect(
      clean.json.tables.every((t: TableJson) => t.checksum.match && t.status === 'match' && t.structure?.length === 0),
    ).toBe(true);

    const ids = (
      await db.query(`SELECT id::text AS id FROM accuracy.accuracy_scores ORDER BY id LIMIT 3 OFFSET 5`)
    ).rows.map((r) => r.id as string);
    const [oneChar, oneUlp, deleted] = ids;
    await db.query(
      `UPDATE accuracy.accuracy_scores SET question = overlay(question placing '~' from 1 for 1) WHERE id = $1`,
      [oneChar],
    );
    const before = Number(
      (await db.query(`SELECT accuracy_score::text AS v FROM accuracy.accuracy_scores WHERE id = $1`, [oneUlp])).rows[0]
        .v,
    );
    await db.query(`UPDATE accuracy.accuracy_scores SET accuracy_score = $2::float8 WHERE id = $1`, [
      oneUlp,
      String(nextUp(before)),
    ]);
    await db.query(`DELETE FROM accuracy.accuracy_scores WHERE id = $1`, [deleted]);
    const added = (
      await db.query(
        `INSERT INTO accuracy.accuracy_scores (question, actual_answer, accuracy_score, scoring_method) VALUES ('q?', 'a', 0.5, 'exact') RETURNING id::text AS id`,
      )
    ).rows[0].id as string;
    // An object with several keys and plain numbers (JSON.parse below must not round it).
    const j = (
      await db.query(
        `SELECT id::text AS id, metadata::text AS m FROM accuracy.accuracy_scores
      WHERE jsonb_typeof(metadata) = 'object' AND (SELECT count(*) FROM jsonb_object_keys(metadata)) >= 2 AND metadata::text !~ '[0-9]{15}' AND id <> ALL($1::bigint[]) ORDER BY id LIMIT 1`,
        [ids],
      )
    ).rows[0];
    const rewritten = rewriteJson(JSON.parse(j.m));
    expect(rewritten).not.toBe(j.m);
    await db.query(`UPDATE accuracy.accuracy_scores SET metadata = $2::jsonb WHERE id = $1`, [j.id, rewritten]);

    const v = await verify(db);
    expect(v.code, v.stderr).toBe(1);
    expect(v.json.status).toBe('differences');
    const t = table(v.json, 'accuracy.accuracy_scores');
    expect(t.checksum.match).toBe(false);
    expect(t.differences).toMatchObject({ missing: 1, extra: 1, changed: 2 });
    expect(new Set(t.differences.samples.map(({ values: _values, ...s }) => JSON.stringify(s)))).toEqual(
      new Set(
        [
          { key: oneChar, kind: 'changed', columns: ['question'] },
          { key: oneUlp, kind: 'changed', columns: ['accuracy_score'] },
          { key: deleted, kind: 'missing' },
          { key: added, kind: 'extra' },
        ].map((s) => JSON.stringify(s)),
      ),
    );
    expect(t.differences.samples.map((s) => s.key)).not.toContain(j.id);
    // Each changed column with both sides' values: the reader sees what differs without querying.
    const values = (key: string) => t.differences.samples.find((s) => s.key === key)!.values!;
    expect(values(oneChar)).toEqual([
      { column: 'question', source: expect.not.stringMatching(/^~/), target: expect.stringMatching(/^~/) },
    ]);
    expect(values(oneChar)[0].source!.slice(1)).toBe(values(oneChar)[0].target!.slice(1));
    const [ulp] = values(oneUlp);
    expect([ulp.column, Number(ulp.source), Number(ulp.target)]).toEqual(['accuracy_score', before, nextUp(before)]);
    expect(others(v.json, 'accuracy.accuracy_scores').every((x) => x.status === 'match')).toBe(true);
  });

  it('--sample-rows caps the list; the counts stay exact', async () => {
    const n = Number(
      (await db.query(`UPDATE accuracy.learning_objectives SET objective_text = objective_text || '!'`)).rowCount,
    );
    expect(n).toBeGreaterThan(10);
    const v = await verify(db, '--tables', 'accuracy.learning_objectives', '--sample-rows', '5');
    expect(v.code).toBe(1);
    const t = table(v.json, 'accuracy.learning_objectives');
    expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: n });
    expect(t.differences.samples).toHaveLength(5);
    for (const s of t.differences.samples) expect(s).toMatchObject({ kind: 'changed', columns: ['objective_text'] });
    const none = await verify(db, '--tables', 'accuracy.learning_objectives', '--sample-rows', '0');
    expect(table(none.json, 'accuracy.learning_objectives').differences).toMatchObject({ changed: n, samples: [] });
  });

  it('a dropped index and a sequence behind its column are structure differences (exit 1)', async () => {
    await db.query('DROP INDEX rss.idx_rss_fetch_cycles_status');
    await db.query(`SELECT setval(pg_get_serial_sequence('rss.fetch_items', 'id'), 1)`);
    const v = await verify(db, '--tables', 'rss.fetch_cycles,rss.fetch_items');
    expect(v.code).toBe(1);
    const cycles = table(v.json, 'rss.fetch_cycles');
    expect(cycles.structure).toEqual([
      { object: 'index idx_rss_fetch_cycles_status', problem: 'missing', expected: '(status)' },
    ]);
    expect(cycles.checksum.match).toBe(true);
    expect(cycles.status).toBe('differences');
    const items = table(v.json, 'rss.fetch_items');
    expect(items.structure).toEqual([expect.objectContaining({ object: 'sequence of id', problem: 'behind' })]);
    expect(items.differences).toMatchObject({ missing: 0, extra: 0, changed: 0 });
  });

  it('an index, a unique constraint and a foreign key the mapping does not know are reported as extra', async () => {
    await db.query('CREATE INDEX app_cycles_started ON rss.fetch_cycles (started_at)');
    await db.query('ALTER TABLE rss.fetch_cycles ADD CONSTRAINT app_cycles_started_uq UNIQUE (started_at, id)');
    await db.query(
      'ALTER TABLE rss.fetch_items ADD CONSTRAINT app_items_cycle_fk FOREIGN KEY (cycle_id) REFERENCES rss.fetch_cycles (id) NOT VALID',
    );
    try {
      const v = await verify(db, '--tables', 'rss.fetch_cycles,rss.fetch_items');
      expect(v.code).toBe(1);
      expect(table(v.json, 'rss.fetch_cycles').structure).toEqual(
        expect.arrayContaining([
          { object: 'index app_cycles_started', problem: 'extra', found: '(started_at)' },
          { object: 'unique app_cycles_started_uq', problem: 'extra', found: '(started_at, id)' },
        ]),
      );
      expect(table(v.json, 'rss.fetch_cycles').structure!.some((p) => p.object === 'index app_cycles_started_uq')).toBe(
        false,
      );
      expect(table(v.json, 'rss.fetch_items').structure).toContainEqual({
        object: 'foreign key app_items_cycle_fk',
        problem: 'extra',
        found: '(cycle_id) → rss.fetch_cycles (id)',
      });
    } finally {
      await db.query(
        'ALTER TABLE rss.fetch_items DROP CONSTRAINT app_items_cycle_fk; ALTER TABLE rss.fetch_cycles DROP CONSTRAINT app_cycles_started_uq; DROP INDEX rss.app_cycles_started',
      );
    }
  });

  it('a missing table misses every row it should hold; a missing column makes the rows incomparable', async () => {
    await db.query('DROP TABLE accuracy.performance_trends');
    await db.query('ALTER TABLE continuum.tier_audit DROP COLUMN performed_by');
    const v = await verify(db, '--tables', 'accuracy.performance_trends,continuum.tier_audit');
    expect(v.code).toBe(1);
    const gone = table(v.json, 'accuracy.performance_trends');
    expect(gone.structure).toEqual([{ object: 'table', problem: 'missing', expected: 'accuracy.performance_trends' }]);
    expect(gone.differences.missing).toBe(gone.sourceRows - gone.rejectedRows);
    expect(gone.differences.missing).toBeGreaterThan(0);
    const audit = table(v.json, 'continuum.tier_audit');
    expect(audit.structure).toEqual([{ object: 'column performed_by', problem: 'missing', expected: 'text' }]);
    expect(audit).toMatchObject({ status: 'differences', notCompared: 'columns are missing from the target table' });
  });
});

describe('reports', () => {
  it('text, json, markdown and html, to stdout or --out; the html is self-contained and draws the trend', async () => {
    // The verifications above are the history; two more make the trend longer.
    for (let i = 0; i < 2; i++) await verify(db, '--tables', 'knowledge.learning_sessions');
    const text = await runCli(['verify', '--source-dir', fx.data, '--target', db.url]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/accuracy\.accuracy_scores\s.*✗ 1 missing, 1 extra, 2 changed/);
    // The changed column with both values: the source's text, then the tampered one (its first character '~').
    expect(text.stdout).toMatch(/accuracy\.accuracy_scores: key \d+: changed: question "[^~"][^"]*" → "~/);
    expect(text.stdout).toMatch(/DIFFERENCES/);

    const out = (f: string) => path.join(fx.dir, f);
    const json = await runCli([
      'verify',
      '--source-dir',
      fx.data,
      '--target',
      db.url,
      '--format',
      'json',
      '--out',
      out('r.json'),
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(readFileSync(out('r.json'), 'utf8')).tables).toHaveLength(11);
    expect(json.stdout).toBe('');

    const md = await runCli([
      'verify',
      '--source-dir',
      fx.data,
      '--target',
      db.url,
      '--format',
      'markdown',
      '--out',
      out('r.md'),
    ]);
    expect(md.code).toBe(1);
    const mdText = readFileSync(out('r.md'), 'utf8');
    expect(mdText).toMatch(/^# sqlite2pg verify: differences/);
    expect(mdText).toMatch(/\| accuracy\.accuracy_scores \| ✗ \|/);
    expect(mdText).toMatch(/## Trend/);

    const html = await runCli([
      'verify',
      '--source-dir',
      fx.data,
      '--target',
      db.url,
      '--format',
      'html',
      '--out',
      out('r.html'),
    ]);
    expect(html.code).toBe(1);
    const page = readFileSync(out('r.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg');
    // One bar per verification so far (at least the six of this file on this database), red ones among them.
    expect((page.match(/<rect class="(ok|bad)"/g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(page).toContain('<rect class="bad"');
    expect(page).toContain('<rect class="ok"');
    expect(page).toContain('accuracy.accuracy_scores');
    expect(page).not.toMatch(/<script|<link|@import|src=/i);
    expect(page.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
  });
});

describe('a table without a key', () => {
  it('gets counts and checksums, and its differing rows by rowid (missing) and ctid (extra)', async () => {
    const mapping = JSON.parse(readFileSync(BUILTIN_MAPPING_PATH, 'utf8'));
    const lo = mapping.sources
      .find((s: { file: string }) => s.file === 'accuracy_scores.db')
      .tables.find((t: { target: string }) => t.target === 'learning_objectives');
    delete lo.primaryKey;
    const file = path.join(fx.dir, 'keyless.json');
    writeFileSync(file, JSON.stringify(mapping));
    const d = await migratedDatabase(fx.data, ['--mapping', file]);
    const run = (...args: string[]) =>
      runCli([
        'verify',
        '--source-dir',
        fx.data,
        '--mapping',
        file,
        '--target',
        d.url,
        '--json',
        '--tables',
        'accuracy.learning_objectives',
        ...args,
      ]);
    const clean = await run();
    expect(clean.code, clean.stderr).toBe(0);
    const t0 = table(clean.json, 'accuracy.learning_objectives');
    expect(t0.checksum.match).toBe(true);
    expect(t0.targetRows).toBeGreaterThan(0);

    const [a, b] = (
      await d.query(`SELECT id::text AS id FROM accuracy.learning_objectives ORDER BY id LIMIT 2`)
    ).rows.map((r) => r.id as string);
    await d.query(`UPDATE accuracy.learning_objectives SET current_score = current_score + 1 WHERE id = $1`, [a]);
    await d.query(`DELETE FROM accuracy.learning_objectives WHERE id = $1`, [b]);
    const v = await run();
    expect(v.code).toBe(1);
    const t = table(v.json, 'accuracy.learning_objectives');
    // Without a key a changed row is one missing (its old values) and one extra (its new ones).
    expect(t.differences).toMatchObject({ missing: 2, extra: 1, changed: 0 });
    const keys = t.differences.samples.map((s) => `${s.kind} ${s.key}`).sort();
    expect(keys).toEqual(
      [expect.stringMatching(/^extra ctid \(\d+,\d+\)$/), `missing rowid ${a}`, `missing rowid ${b}`].sort(),
    );
  });
});

describe('--grace (dual-write)', () => {
  it('leaves out rows written within the window on both sides, says how many, and settles rows in flight', async () => {
    const src = path.join(fx.dir, 'dual');
    mkdirSync(src);
    for (const f of [
      'knowledge_retention.db',
      'continuum_memory.db',
      'rss_fetch_history.db',
      'rss_fetch_history.db-wal',
      'accuracy_scores.db',
    ]) {
      if (existsSync(path.join(fx.data, f))) copyFileSync(path.join(fx.data, f), path.join(src, f));
    }
    const d = await migratedDatabase(src);
    const run = (...args: string[]) =>
      runCli([
        'verify',
        '--source-dir',
        src,
        '--target',
        d.url,
        '--json',
        '--tables',
        'knowledge.knowledge_items',
        ...args,
      ]);
    const base = table((await run('--grace', '3600')).json, 'knowledge.knowledge_items').accounting;

    // The application writes "now": a new row in PostgreSQL, another in SQLite, and touches a row in PostgreSQL only.
    const pgId = Number(
      (
        await d.query(`INSERT INTO knowledge.knowledge_items (content, source, knowledge_type, created_at, last_accessed)
      VALUES ('written now', 'app', 'fact', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') RETURNING id`)
      ).rows[0].id,
    );
    await d.query(`SELECT setval(pg_get_serial_sequence('knowledge.knowledge_items', 'id'), $1)`, [pgId + 1]);
    const sqlite = new Database(path.join(src, 'knowledge_retention.db'));
    sqlite
      .prepare(
        `INSERT INTO knowledge_items (id, content, source, knowledge_type, created_at, last_accessed) VALUES (?, 'also now', 'app', 'fact', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
      )
      .run(pgId + 1);
    sqlite.close();
    const touched = (
      await d.query(
        `SELECT min(id)::text AS id FROM knowledge.knowledge_items WHERE last_accessed < now() - interval '1 day' AND created_at < now() - interval '1 day'`,
      )
    ).rows[0].id as string;
    await d.query(`UPDATE knowledge.knowledge_items SET last_accessed = now() AT TIME ZONE 'UTC' WHERE id = $1`, [
      touched,
    ]);

    const strict = await run();
    expect(strict.code).toBe(1);
    expect(table(strict.json, 'knowledge.knowledge_items').differences).toMatchObject({
      missing: 1,
      extra: 1,
      changed: 1,
    });

    const graced = await run('--grace', '3600');
    expect(graced.code, JSON.stringify(table(graced.json, 'knowledge.knowledge_items'))).toBe(0);
    const t = table(graced.json, 'knowledge.knowledge_items');
    expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: 0 });
    expect(t.accounting.graceSource - base.graceSource).toBe(1);
    expect(t.accounting.graceTarget - base.graceTarget).toBe(2);
    expect(t.accounting.inFlight).toBe(1);
    expect(t.excludedByGrace).toBe(t.accounting.graceSource);
    expect(graced.json.grace).toMatchObject({ seconds: 3600 });
  });

  it('the sequence check leaves out the rows grace left out: a live writer ahead of the migration is not "behind"', async () => {
    const src = path.join(fx.dir, 'live-writer');
    mkdirSync(src);
    for (const f of [
      'knowledge_retention.db',
      'continuum_memory.db',
      'rss_fetch_history.db',
      'rss_fetch_history.db-wal',
      'accuracy_scores.db',
    ]) {
      if (existsSync(path.join(fx.data, f))) copyFileSync(path.join(fx.data, f), path.join(src, f));
    }
    const d = await migratedDatabase(src);
    const run = (...args: string[]) =>
      runCli([
        'verify',
        '--source-dir',
        src,
        '--target',
        d.url,
        '--json',
        '--tables',
        'knowledge.knowledge_items',
        ...args,
      ]);
    const base = table((await run('--grace', '3600')).json, 'knowledge.knowledge_items');
    expect(base.structure).toEqual([]);

    // The application goes on writing into SQLite (AUTOINCREMENT hands out keys past the target's
    // sequence); the newest row has already reached PostgreSQL too, with its SQLite key.
    const sqlite = new Database(path.join(src, 'knowledge_retention.db'));
    const insert = sqlite.prepare(
      `INSERT INTO knowledge_items (content, source, knowledge_type, created_at, last_accessed) VALUES (?, 'app', 'fact', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
    );
    const ids = ['one', 'two', 'three'].map((c) => Number(insert.run(`written now: ${c}`).lastInsertRowid));
    const last = sqlite.prepare('SELECT * FROM knowledge_items WHERE id = ?').get(ids[2]) as Record<string, unknown>;
    sqlite.close();
    await d.query(
      `INSERT INTO knowledge.knowledge_items (id, content, source, knowledge_type, confidence_score, retention_score, access_count, created_at, last_accessed)
      VALUES ($1, $2, 'app', 'fact', $3, $4, $5, $6::timestamp, $6::timestamp)`,
      [ids[2], last.content, last.confidence_score, last.retention_score, last.access_count, last.created_at],
    );

    const strict = await run();
    expect(strict.code).toBe(1);
    const s = table(strict.json, 'knowledge.knowledge_items');
    expect(s.differences).toMatchObject({ missing: 2, extra: 0, changed: 0 });
    expect(s.structure!.map((p) => `${p.object}: ${p.problem}`)).toEqual(['sequence of id: behind']);

    const graced = await run('--grace', '3600');
    const t = table(graced.json, 'knowledge.knowledge_items');
    expect(graced.code, JSON.stringify(t)).toBe(0);
    expect(t.structure).toEqual([]);
    expect(t.excludedByGrace).toBe((base.excludedByGrace ?? 0) + 3);
    expect(t.accounting.graceTarget - base.accounting.graceTarget).toBe(1);

    // Grace does not hide a sequence that is behind the rows it compared.
    await d.query(`SELECT setval(pg_get_serial_sequence('knowledge.knowledge_items', 'id'), 5)`);
    const behind = await run('--grace', '3600');
    expect(behind.code).toBe(1);
    expect(table(behind.json, 'knowledge.knowledge_items').structure!.map((p) => `${p.object}: ${p.problem}`)).toEqual([
      'sequence of id: behind',
    ]);
  });
});
