// Mapping policies change a value only when asked, and record each change; a UNIQUE the data breaks
// rejects the later duplicates (code `unique`) instead of aborting the table. Verify accounts for both.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MAPPING_PATH } from '../../src/mapping/load-mapping.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';

const fx = useFixtureTarget('s2p-policies-');
let run: CliResult;

function column(m: any, table: string, name: string) {
  return m.sources
    .flatMap((s: any) => s.tables)
    .find((t: any) => t.target === table)
    .columns.find((c: any) => c.name === name);
}

beforeAll(async () => {
  const m = JSON.parse(readFileSync(BUILTIN_MAPPING_PATH, 'utf8'));
  column(m, 'knowledge_items', 'metadata').policy = 'null';
  column(m, 'knowledge_items', 'content').policy = 'strip';
  column(m, 'knowledge_items', 'confidence_score').policy = 'default';
  column(m, 'fetch_items', 'summary').emptyAsNull = true;
  m.sources.find((s: any) => s.schema === 'rss').tables.find((t: any) => t.target === 'fetch_cycles').unique = [
    { columns: ['cycle_number'] },
  ];
  writeFileSync(path.join(fx.dir, 'mapping.json'), JSON.stringify(m, null, 2));
  run = await runCli([
    'migrate',
    '--source-dir',
    fx.data,
    '--mapping',
    path.join(fx.dir, 'mapping.json'),
    '--target',
    fx.db.url,
    '--json',
  ]);
});

const hazards = (table: string, codes: string[]) =>
  fx.manifest.hazards.filter((h) => h.table === table && h.expect === 'reject' && codes.includes(h.code!));

describe('policies and a UNIQUE the data breaks', () => {
  it('ends with exit 0: verification accounts for every change and reject', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.status).toBe('ok');
  });

  it("migrate's closing verify (the source side proved from the load's read) equals a separate verify, table by table", async () => {
    const verify = await runCli([
      'verify',
      '--source-dir',
      fx.data,
      '--mapping',
      path.join(fx.dir, 'mapping.json'),
      '--target',
      fx.db.url,
      '--json',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const facts = (t: any) => ({
      target: t.target,
      status: t.status,
      sourceRows: t.sourceRows,
      rejectedRows: t.rejectedRows,
      targetRows: t.targetRows,
      checksum: t.checksum,
      policyChanges: t.accounting.policyChanges,
      invalidLoaded: t.accounting.invalidLoaded,
    });
    const byTarget = (ts: any[]) => ts.map(facts).sort((a, b) => a.target.localeCompare(b.target));
    expect(byTarget(run.json.tables)).toEqual(byTarget(verify.json.tables));
    // The tables hold rejects and policy changes, which the proved side must settle as the pass does.
    expect(run.json.tables.some((t: any) => t.rejectedRows > 0)).toBe(true);
    expect(run.json.tables.some((t: any) => t.accounting.policyChanges > 0)).toBe(true);
  });

  it('policy null: JSON jsonb cannot hold becomes NULL, recorded with the original value', async () => {
    const hs = hazards('knowledge_items', ['json_non_finite', 'invalid_json', 'json_nul']);
    expect(hs.length).toBeGreaterThan(2);
    for (const h of hs) {
      const row = await fx.db.query('SELECT metadata FROM knowledge.knowledge_items WHERE id = $1', [h.rowid]);
      expect(row.rows, `row ${h.rowid}`).toEqual([{ metadata: null }]);
      const c = await fx.db.query(
        `SELECT policy, reason_code, original_value, new_value FROM sqlite2pg.changes WHERE target_table = 'knowledge.knowledge_items' AND source_rowid = $1 AND column_name = 'metadata'`,
        [String(h.rowid)],
      );
      expect(c.rows).toEqual([expect.objectContaining({ policy: 'null', reason_code: h.code, new_value: null })]);
    }
    const nan = hs.find((h) => h.code === 'json_non_finite')!;
    const c = await fx.db.query(
      `SELECT original_value FROM sqlite2pg.changes WHERE source_rowid = $1 AND column_name = 'metadata' AND target_table = 'knowledge.knowledge_items'`,
      [String(nan.rowid)],
    );
    const sqlite = new Database(path.join(fx.data, nan.file), { readonly: true });
    const original = sqlite.prepare('SELECT metadata FROM knowledge_items WHERE rowid = ?').pluck().get(nan.rowid);
    sqlite.close();
    expect(c.rows[0].original_value).toBe(original);
  });

  it('policy strip: a NUL is removed from text, and recorded', async () => {
    const h = hazards('knowledge_items', ['nul_byte'])[0];
    const sqlite = new Database(path.join(fx.data, h.file), { readonly: true });
    const original = sqlite
      .prepare('SELECT content FROM knowledge_items WHERE rowid = ?')
      .pluck()
      .get(h.rowid) as string;
    sqlite.close();
    expect(original).toContain('\0');
    const row = await fx.db.query('SELECT content FROM knowledge.knowledge_items WHERE id = $1', [h.rowid]);
    expect(row.rows[0].content).toBe(original.replace(/\0/g, ''));
    const c = await fx.db.query(
      `SELECT policy, reason_code FROM sqlite2pg.changes WHERE source_rowid = $1 AND column_name = 'content' AND target_table = 'knowledge.knowledge_items'`,
      [String(h.rowid)],
    );
    expect(c.rows).toEqual([{ policy: 'strip', reason_code: 'nul_byte' }]);
  });

  it('policy default: a number column holding text gets the column default, recorded', async () => {
    const h = hazards('knowledge_items', ['not_a_number']).find((x) => x.column === 'confidence_score')!;
    const row = await fx.db.query('SELECT confidence_score FROM knowledge.knowledge_items WHERE id = $1', [h.rowid]);
    expect(row.rows).toEqual([{ confidence_score: 0 }]);
    const c = await fx.db.query(
      `SELECT policy FROM sqlite2pg.changes WHERE source_rowid = $1 AND column_name = 'confidence_score'`,
      [String(h.rowid)],
    );
    expect(c.rows).toEqual([{ policy: 'default' }]);
  });

  it('emptyAsNull: every empty summary is NULL, each one recorded', async () => {
    const sqlite = new Database(path.join(fx.data, 'rss_fetch_history.db'), { readonly: true });
    const empties = (
      sqlite.prepare(`SELECT rowid FROM rss_fetch_items WHERE summary = ''`).pluck().all() as number[]
    ).map(String);
    sqlite.close();
    expect(empties.length).toBeGreaterThan(0);
    const rejected = new Set(
      (await fx.db.query(`SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = 'rss.fetch_items'`)).rows.map(
        (r) => r.source_rowid,
      ),
    );
    const loadedEmpties = empties.filter((k) => !rejected.has(k));
    const c = await fx.db.query(
      `SELECT source_rowid FROM sqlite2pg.changes WHERE target_table = 'rss.fetch_items' AND column_name = 'summary' AND policy = 'emptyAsNull' ORDER BY source_rowid::bigint`,
    );
    expect(c.rows.map((r) => r.source_rowid)).toEqual(loadedEmpties.sort((a, b) => Number(a) - Number(b)));
    const left = await fx.db.query(`SELECT count(*)::int AS n FROM rss.fetch_items WHERE summary = ''`);
    expect(left.rows[0].n).toBe(0);
  });

  it('UNIQUE (cycle_number): later duplicates are rejects with code unique, the first in rowid order kept', async () => {
    const sqlite = new Database(path.join(fx.data, 'rss_fetch_history.db'), { readonly: true });
    const rejectedElse = new Set(
      (
        await fx.db.query(
          `SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = 'rss.fetch_cycles' AND reason_code <> 'unique'`,
        )
      ).rows.map((r) => r.source_rowid),
    );
    const rows = (
      sqlite.prepare('SELECT rowid AS k, cycle_number AS n FROM rss_fetch_cycles ORDER BY rowid').all() as {
        k: number;
        n: number;
      }[]
    ).filter((r) => !rejectedElse.has(String(r.k)));
    sqlite.close();
    const seen = new Set<number>();
    const expected: string[] = [];
    for (const r of rows) {
      if (seen.has(r.n)) expected.push(String(r.k));
      seen.add(r.n);
    }
    expect(expected.length).toBeGreaterThan(0);
    const got = await fx.db.query(
      `SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = 'rss.fetch_cycles' AND reason_code = 'unique' ORDER BY source_rowid::bigint`,
    );
    expect(got.rows.map((r) => r.source_rowid)).toEqual(expected);
    const con = await fx.db.query(
      `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'rss.fetch_cycles'::regclass AND contype = 'u'`,
    );
    expect(con.rows[0].n).toBe(1);
  });
});
