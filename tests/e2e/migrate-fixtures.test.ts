// The main job end to end: the fixture files (every hazard of the legacy databases) migrated into a real
// PostgreSQL, then every loaded value compared with its source and every hazard's outcome checked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';
import { summaryTable } from '../../src/report/summary-table.js';
import { compareTable, tablesOf } from '../support/source-oracle.js';

const fx = useFixtureTarget('s2p-e2e-');
let first: CliResult;

beforeAll(async () => {
  first = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--json']);
});

/** Every source row of every table loaded with identical values, or rejected by run `runId` — nothing else. */
async function expectEveryValueLoaded(runId: string): Promise<void> {
  const mapping = loadMapping(undefined).mapping;
  const client = new pg.Client({ connectionString: fx.db.url });
  await client.connect();
  try {
    for (const { file, schema, table } of tablesOf(mapping)) {
      const path_ = path.join(fx.data, file);
      if (readFileSync(path_).length === 0) continue;
      const sqlite = new Database(path_, { readonly: true });
      try {
        const rej = await client.query(
          'SELECT source_rowid FROM sqlite2pg.rejects WHERE run_id = $1 AND source_table = $2 AND source_file = $3',
          [runId, table.source, file],
        );
        const result = await compareTable(client, sqlite, schema, table, new Set(rej.rows.map((r) => r.source_rowid)));
        expect(result.mismatches, `${schema}.${table.target}`).toEqual([]);
        expect(result.missing, `${schema}.${table.target} rows neither loaded nor rejected`).toEqual([]);
        expect(result.unexpected, `${schema}.${table.target} rejected rows present`).toEqual([]);
        expect(result.compared).toBeGreaterThan(0);
      } finally {
        sqlite.close();
      }
    }
  } finally {
    await client.end();
  }
}

/** The COPY formats a migrate report says its tables were loaded in. */
function copyFormatsOf(report: { tables: { copyFormat: string }[] }): string[] {
  return [...new Set(report.tables.map((t) => t.copyFormat))];
}

describe('migrate over the fixture files', () => {
  it('exits 0 with a report that accounts for every source row', () => {
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    const r = first.json;
    expect(r.command).toBe('migrate');
    expect(r.status).toBe('ok');
    expect(r.tables).toHaveLength(11);
    for (const t of r.tables) {
      expect(t.sourceRows, t.target).toBe(t.targetRows + t.rejectedRows);
      expect(t.checksum.match, t.target).toBe(true);
      const m = fx.manifest.tables.find((x) => `${x.file}:${x.table}` === t.source)!;
      expect(t.sourceRows, `${t.source} rows (WAL rows included)`).toBe(m.rows);
    }
    expect(r.totals.sourceRows).toBe(fx.manifest.tables.reduce((a, t) => a + t.rows, 0));
  });

  it('says in the report which constraints of the planned schema it relaxed', () => {
    expect(first.json.deviations).toEqual(loadMapping(undefined).mapping.deviations);
    expect(first.json.deviations.some((d: string) => d.startsWith('rss.fetch_cycles.cycle_number is not UNIQUE'))).toBe(
      true,
    );
    expect(summaryTable(first.json)).toMatch(/schema: 10 deliberate deviation\(s\) from the planned schema/);
  });

  it('rejects exactly the hazard rows the data rules reject, with their reason code', async () => {
    const rejects = await fx.db.query(
      `SELECT source_file, source_table, source_rowid, column_name, reason_code, original_row FROM sqlite2pg.rejects WHERE run_id = $1`,
      [first.json.runId],
    );
    const got = new Set(
      rejects.rows.map((r) => `${r.source_file}:${r.source_table}:${r.source_rowid}:${r.reason_code}`),
    );
    const expected = fx.manifest.hazards
      .filter((h) => h.expect === 'reject')
      .map((h) => `${h.file}:${h.table}:${h.rowid}:${h.code}`);
    for (const e of expected) expect(got, e).toContain(e);
    expect(rejects.rows.length).toBe(
      new Set(fx.manifest.hazards.filter((h) => h.expect === 'reject').map((h) => `${h.file}:${h.table}:${h.rowid}`))
        .size,
    );
    // Each reject keeps the whole original row, every column present.
    for (const r of rejects.rows) expect(Object.keys(r.original_row).length).toBeGreaterThan(3);
  });

  it('loads every value identical to its source, hazards that must load included (binary COPY)', async () => {
    expect(copyFormatsOf(first.json)).toEqual(['binary']);
    await expectEveryValueLoaded(first.json.runId);
  });

  it('keeps the values that need care exactly', async () => {
    const big = await fx.db.query(
      `SELECT metadata::text AS m FROM knowledge.knowledge_items WHERE metadata::text LIKE '%12345678901234567890%'`,
    );
    expect(big.rows.length).toBeGreaterThan(0);
    // Integers above 2^53 survive (a JavaScript double would round 9007199254740993 to ...992).
    const h = fx.manifest.hazards.find((x) => x.hazard === 'int_above_2_53' && x.table === 'rss_fetch_cycles')!;
    const sqlite = new Database(path.join(fx.data, h.file), { readonly: true });
    const src = sqlite
      .prepare(`SELECT CAST(${h.column} AS TEXT) FROM ${h.table} WHERE rowid = ?`)
      .pluck()
      .get(h.rowid) as string;
    sqlite.close();
    const loaded = await fx.db.query(`SELECT ${h.column}::text AS v FROM rss.fetch_cycles WHERE id = $1`, [h.rowid]);
    expect(loaded.rows[0].v).toBe(src);
    expect(BigInt(src)).toBeGreaterThan(2n ** 53n);
    // A text that is literally \N stays that text, not NULL.
    const n = fx.manifest.hazards.find(
      (x) => x.hazard === 'text_literal_backslash_n' && x.table === 'learning_sessions',
    )!;
    const r = await fx.db.query(`SELECT content_learned FROM knowledge.learning_sessions WHERE id = $1`, [n.rowid]);
    expect(r.rows[0].content_learned).toContain('\\N');
  });

  it('derives fetch_cycles.status from completed_at and writes NULL where the plan has no source', async () => {
    const r = await fx.db
      .query(`SELECT count(*) FILTER (WHERE status = 'completed' AND completed_at IS NULL)::int AS bad1,
                                     count(*) FILTER (WHERE status = 'incomplete' AND completed_at IS NOT NULL)::int AS bad2,
                                     count(*) FILTER (WHERE error_message IS NOT NULL)::int AS invented FROM rss.fetch_cycles`);
    expect(r.rows[0]).toEqual({ bad1: 0, bad2: 0, invented: 0 });
    const tm = await fx.db.query(
      'SELECT count(*) FILTER (WHERE access_count IS NOT NULL OR metadata IS NOT NULL)::int AS n FROM continuum.tier_metrics',
    );
    expect(tm.rows[0].n).toBe(0);
  });

  it('sets sequences past the largest key and past sqlite_sequence', async () => {
    for (const t of fx.manifest.tables.filter((x) => x.table !== 'tier_metrics')) {
      const target = first.json.tables.find((x: { source: string }) => x.source === `${t.file}:${t.table}`)
        .target as string;
      const [schema, table] = target.split('.');
      const r = await fx.db.query(`SELECT last_value::text AS v, is_called FROM ${schema}.${table}_id_seq`);
      const sqlite = new Database(path.join(fx.data, t.file), { readonly: true });
      const seq = sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(t.table) as
        number | undefined;
      sqlite.close();
      expect(Number(r.rows[0].v), target).toBeGreaterThanOrEqual(Math.max(t.maxRowid, seq ?? 0));
    }
  });

  it('builds primary keys, indexes and foreign keys after the load, and records the schema version', async () => {
    const c = await fx.db.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'knowledge.knowledge_relationships'::regclass AND contype IN ('p', 'u', 'f') ORDER BY 1`,
    );
    expect(c.rows.map((r) => r.conname)).toEqual([
      'knowledge_relationships_pkey',
      'knowledge_relationships_source_id_fkey',
      'knowledge_relationships_target_id_fkey',
    ]);
    const ix = await fx.db.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'rss' ORDER BY 1`);
    expect(ix.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['idx_rss_fetch_cycles_status', 'fetch_cycles_pkey', 'fetch_items_pkey']),
    );
    const v = await fx.db.query('SELECT mapping_name, schema_version FROM sqlite2pg.schema_version');
    expect(v.rows).toEqual([{ mapping_name: 'legacy-app', schema_version: 1 }]);
    // Built in each table's lane right after its rows committed: validated, and timed in the table's stages.
    const fks = await fx.db.query(
      `SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f' AND connamespace = 'knowledge'::regnamespace ORDER BY 1`,
    );
    expect(fks.rows.length).toBeGreaterThan(0);
    expect(fks.rows.every((r) => r.convalidated)).toBe(true);
    for (const t of first.json.tables) {
      expect(typeof t.stagesMs.keysMs, t.target).toBe('number');
      expect(typeof t.stagesMs.foreignKeysMs, t.target).toBe('number');
    }
  });

  it('refuses a second fresh run (exit 2) and leaves the target as it was', async () => {
    const before = await fx.db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items');
    const again = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /--mode fresh refuses target tables that already hold rows: knowledge\.knowledge_items/,
    );
    const after = await fx.db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('runs again in truncate mode, in COPY text format, with the same result; every value identical, verify alone agrees', async () => {
    const again = await runCli(
      ['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--mode', 'truncate', '--json'],
      { env: { SQLITE2PG_COPY_FORMAT: 'text' } },
    );
    expect(again.code).toBe(0);
    expect(again.json.totals).toEqual(first.json.totals);
    expect(copyFormatsOf(again.json)).toEqual(['text']);
    await expectEveryValueLoaded(again.json.runId);
    const n = await fx.db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items');
    expect(n.rows[0].n).toBe(first.json.tables[0].targetRows);
    const verify = await runCli(['verify', '--source-dir', fx.data, '--target', fx.db.url, '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json.status).toBe('ok');
    expect(verify.json.totals.rejectedRows).toBe(first.json.totals.rejectedRows);
  });

  it('lists the runs in history', async () => {
    const h = await runCli(['history', '--target', fx.db.url, '--json']);
    expect(h.code).toBe(0);
    const commands = h.json.runs.map((r: { command: string; status: string }) => `${r.command}:${r.status}`);
    expect(commands).toEqual(expect.arrayContaining(['migrate:ok', 'verify:ok']));
  });
});
