// The mapping file: the built-in one is valid and in step with its generated DDL and docs; a bad one is
// refused with the exact place at fault.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MAPPING_PATH, loadMapping, validateMapping } from '../../src/mapping/load-mapping.js';
import { planFromMapping } from '../../src/plan/build-plan.js';
import { fullSchemaSql } from '../../src/load/ddl.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { refusal } from '../support/refusal.js';

const builtin = () => JSON.parse(readFileSync(BUILTIN_MAPPING_PATH, 'utf8'));

describe('the built-in mapping', () => {
  it('is valid and maps the four legacy files into the plan schemas', () => {
    const { mapping } = loadMapping(undefined);
    expect(mapping.sources.map((s) => [s.file, s.schema])).toEqual([
      ['knowledge_retention.db', 'knowledge'],
      ['continuum_memory.db', 'continuum'],
      ['rss_fetch_history.db', 'rss'],
      ['accuracy_scores.db', 'accuracy'],
    ]);
    expect(mapping.sources.flatMap((s) => s.tables.map((t) => `${s.schema}.${t.target}`))).toHaveLength(11);
  });

  it('generates exactly the committed schema/target-schema.sql', () => {
    const sql = fullSchemaSql(planFromMapping(loadMapping(undefined), '.'));
    expect(readFileSync(path.join(ROOT, 'schema', 'target-schema.sql'), 'utf8')).toBe(sql);
  });

  it('keeps every column of the plan and never uses 4-byte real', () => {
    const plan = readFileSync(path.join(ROOT, 'docs', 'spec', 'plan-target-schema.sql'), 'utf8');
    const { mapping } = loadMapping(undefined);
    for (const m of plan.matchAll(/CREATE TABLE (\w+)\.(\w+) \(([\s\S]*?)\n\);/g)) {
      const [, schema, table, body] = m;
      const cols = body
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0])
        .filter((c) => c && /^[a-z_]+$/.test(c));
      const src = mapping.sources.find((s) => s.schema === schema)!;
      const t = src.tables.find((x) => x.target === table)!;
      expect(t, `${schema}.${table}`).toBeDefined();
      for (const c of cols)
        expect(
          t.columns.map((x) => x.name),
          `${schema}.${table}.${c}`,
        ).toContain(c);
    }
    for (const s of mapping.sources)
      for (const t of s.tables) for (const c of t.columns) expect(c.type).not.toBe('real');
  });

  it('has every column note in docs/schema-deviations.md', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'schema-deviations.md'), 'utf8');
    const { mapping } = loadMapping(undefined);
    for (const d of mapping.deviations ?? []) expect(doc).toContain(d);
    for (const s of mapping.sources)
      for (const t of s.tables)
        for (const c of t.columns) if (c.note) expect(doc, `${t.target}.${c.name}`).toContain(c.note);
  });
});

describe('a bad mapping names the place at fault', () => {
  it('unknown type', () => {
    const m = builtin();
    m.sources[0].tables[1].columns[2].type = 'varchar';
    expect(refusal(m)).toMatch(/\$\.sources\[0\]\.tables\[1\]\.columns\[2\]\.type: unknown type "varchar"/);
  });

  it('unknown key', () => {
    const m = builtin();
    m.sources[2].tables[0].colums = [];
    expect(refusal(m)).toMatch(/\$\.sources\[2\]\.tables\[0\]\.colums: unknown key/);
  });

  it('a column with two sources or none', () => {
    const m = builtin();
    m.sources[0].tables[0].columns[1].expr = '1';
    expect(refusal(m)).toMatch(/columns\[1\]: needs exactly one of "from", "expr", "value"/);
  });

  it('a primary key naming no column', () => {
    const m = builtin();
    m.sources[0].tables[0].primaryKey = ['nope'];
    expect(refusal(m)).toMatch(/tables\[0\]\.primaryKey\[0\]: no target column "nope"/);
  });

  it('a foreign key to a table the mapping does not load', () => {
    const m = builtin();
    m.sources[0].tables[2].foreignKeys[0].references = 'knowledge.nowhere';
    expect(refusal(m)).toMatch(/foreignKeys\[0\]\.references: "knowledge\.nowhere" is not a target table/);
  });

  it('an unknown time zone or policy', () => {
    const m = builtin();
    m.sources[1].tables[0].columns[5].localTimeZone = 'Mars/Olympus';
    expect(refusal(m)).toMatch(/localTimeZone: unknown time zone/);
    const n = builtin();
    n.sources[1].tables[0].columns[5].policy = 'ignore';
    expect(refusal(n)).toMatch(/policy: unknown policy "ignore"/);
  });

  it('two target tables with one name', () => {
    const m = builtin();
    m.sources[0].tables[1].target = 'knowledge_items';
    expect(refusal(m)).toMatch(/target table "knowledge\.knowledge_items" appears twice/);
  });

  it('skipTables: names or {table, reason}; a bad entry, a table twice, or a table both mapped and skipped', () => {
    const m = builtin();
    m.sources[0].skipTables = ['old_a', { table: 'old_b', reason: 'kept in SQLite' }];
    expect(validateMapping(m, 'm.json').sources[0].skipTables).toEqual([
      'old_a',
      { table: 'old_b', reason: 'kept in SQLite' },
    ]);
    m.sources[0].skipTables = [{ table: 'old_b', why: 'x' }];
    expect(refusal(m)).toMatch(/\$\.sources\[0\]\.skipTables\[0\]\.why: unknown key \(allowed: table, reason\)/);
    m.sources[0].skipTables = ['old_a', { table: 'OLD_A' }];
    expect(refusal(m)).toMatch(/\$\.sources\[0\]\.skipTables: table "OLD_A" appears twice/);
    m.sources[0].skipTables = ['knowledge_items'];
    expect(refusal(m)).toMatch(
      /\$\.sources\[0\]\.skipTables\[0\]: "knowledge_items" is both mapped \(under "tables"\) and skipped/,
    );
  });

  it('malformed JSON, with the file named', () => {
    const dir = tempDir('s2p-map-');
    const f = path.join(dir, 'broken.json');
    writeFileSync(f, '{"version": 1, "sources": [');
    expect(() => loadMapping(f)).toThrow(/broken\.json: not valid JSON/);
    expect(() => loadMapping(path.join(dir, 'absent.json'))).toThrow(/cannot read mapping .*absent\.json: ENOENT/);
  });
});
