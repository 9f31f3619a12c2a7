// Bad input in the mapping: malformed JSON, an unknown type, key, table (a typo) or column, a source column left
// out, a foreign key to a table the mapping does not load. Each is exit 2, names the place at fault, and
// leaves the target untouched.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MAPPING_PATH } from '../../src/mapping/load-mapping.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-fault-mapping-');
let before: string[];

beforeAll(async () => {
  before = await targetSnapshot(fx.db);
});

type Mapping = {
  sources: {
    file: string;
    tables: {
      source: string;
      columns: { name: string; type: string; from?: string }[];
      foreignKeys?: { references: string }[];
      [k: string]: unknown;
    }[];
  }[];
};

/** Writes the built-in mapping changed by `change` (or `text` verbatim) and runs migrate with it. */
async function migrateWith(name: string, change: ((m: Mapping) => void) | string) {
  const f = path.join(fx.dir, name);
  if (typeof change === 'string') writeFileSync(f, change);
  else {
    const m = JSON.parse(readFileSync(BUILTIN_MAPPING_PATH, 'utf8')) as Mapping;
    change(m);
    writeFileSync(f, JSON.stringify(m, null, 2));
  }
  const r = await runCli(['migrate', '--source-dir', fx.data, '--mapping', f, '--target', fx.db.url]);
  expect(r.code, r.stderr).toBe(2);
  expect(await targetSnapshot(fx.db)).toEqual(before);
  return r.stderr;
}

const items = (m: Mapping) => m.sources[0].tables[0];

describe('an invalid mapping: exit 2 naming the place at fault, the target untouched', () => {
  it('malformed JSON', async () => {
    const text = readFileSync(BUILTIN_MAPPING_PATH, 'utf8').replace('"sources": [', '"sources": [,');
    expect(await migrateWith('malformed.json', text)).toMatch(
      /malformed\.json: not valid JSON: line 5, column 15: an unexpected character/,
    );
  });

  it('an unknown column type', async () => {
    const err = await migrateWith('type.json', (m) => (items(m).columns[1].type = 'varchar(20)'));
    expect(err).toMatch(/type\.json: \$\.sources\[0\]\.tables\[0\]\.columns\[1\]\.type: unknown type "varchar\(20\)"/);
  });

  it('an unknown key (a typo of a known one)', async () => {
    const err = await migrateWith('key.json', (m) => (items(m).primarykey = ['id']));
    expect(err).toMatch(/key\.json: \$\.sources\[0\]\.tables\[0\]\.primarykey: unknown key/);
  });

  it('an unknown source column', async () => {
    const err = await migrateWith('column.json', (m) => (items(m).columns[1].from = 'contents'));
    expect(err).toMatch(
      /knowledge_retention\.db:knowledge_items: column "content" takes source column "contents", which the table does not have \(it has: id, content, /,
    );
  });

  it('an unknown source table (a typo): refused naming the file and the table, never an empty source', async () => {
    const err = await migrateWith('table.json', (m) => (items(m).source = 'knowledge_itemz'));
    expect(err).toMatch(
      /knowledge_retention\.db: the mapping names table "knowledge_itemz", which the file does not have \(its tables: knowledge_relationships, knowledge_items, learning_sessions\)/,
    );
  });

  it('a source column dropped by omission', async () => {
    const err = await migrateWith(
      'omitted.json',
      (m) => (items(m).columns = items(m).columns.filter((c) => c.name !== 'metadata')),
    );
    expect(err).toMatch(
      /knowledge_retention\.db:knowledge_items: source column "metadata" has no target column; map it, or list it under "drop"/,
    );
  });

  it('a foreign key to a table the mapping does not load', async () => {
    const err = await migrateWith(
      'fk.json',
      (m) => (m.sources[0].tables[2].foreignKeys![0].references = 'knowledge.items'),
    );
    expect(err).toMatch(
      /\$\.sources\[0\]\.tables\[2\]\.foreignKeys\[0\]\.references: "knowledge\.items" is not a target table of this mapping/,
    );
  });

  it('an expression SQLite does not compile', async () => {
    const err = await migrateWith('expr-compile.json', (m) => {
      const t = m.sources[3].tables[0] as unknown as { source: string; columns: Record<string, unknown>[] };
      t.columns.push({ name: 'derived', type: 'text', expr: 'no_such_fn(id)' });
    });
    expect(err).toMatch(
      /accuracy_scores\.db:accuracy_scores: column "derived": expression "no_such_fn\(id\)" does not run in SQLite: no such function: no_such_fn/,
    );
  });

  it('an expression SQLite refuses on one row: exit 2 naming the row, before any table is loaded', async () => {
    const err = await migrateWith('expr-row.json', (m) => {
      const t = m.sources[3].tables[0] as unknown as { source: string; columns: Record<string, unknown>[] };
      t.columns.push({ name: 'derived', type: 'text', expr: "CASE WHEN id = 7 THEN json('not json') ELSE 'ok' END" });
    });
    expect(err).toMatch(
      /accuracy_scores\.db:accuracy_scores: column "derived": expression .* fails in SQLite on the row with rowid 7: malformed JSON/,
    );
  });

  it('a mapping file that does not exist', async () => {
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--mapping',
      path.join(fx.dir, 'nope.json'),
      '--target',
      fx.db.url,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read mapping .*nope\.json: ENOENT/);
  });
});
