// Verify's first level of segments reads a rowid table's key range from SQLite; it must come from the
// ends of the b-tree, not a scan (a scan of a big table blocked the main thread for seconds).
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { openSource } from '../../src/extract/open-source.js';
import { rowidBounds, rowidBoundsSql } from '../../src/extract/read-rows.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('s2p-rowid-');
const file = 'app.db';
const setup = new Database(path.join(dir, file));
setup.exec(`
  CREATE TABLE aliased (id INTEGER PRIMARY KEY, v TEXT);
  CREATE TABLE plain (v TEXT);
  CREATE TABLE shadowed (rowid TEXT, v TEXT);
  CREATE TABLE empty (id INTEGER PRIMARY KEY);
  INSERT INTO aliased VALUES (-7, 'a'), (3, 'b'), (9000000000, 'c');
  INSERT INTO plain (rowid, v) VALUES (5, 'x'), (2, 'y'), (11, 'z');
  INSERT INTO shadowed (_rowid_, rowid, v) VALUES (40, '1', 'p'), (-2, '99', 'q');
`);
setup.close();

const text = (name: string) => ({ name, type: 'text', from: name });
const mapping = validateMapping(
  {
    version: 1,
    name: 't',
    sources: [
      {
        file,
        schema: 's',
        tables: [
          { source: 'aliased', target: 'aliased', columns: [{ name: 'id', type: 'bigint', from: 'id' }, text('v')] },
          { source: 'plain', target: 'plain', columns: [text('v')] },
          { source: 'shadowed', target: 'shadowed', columns: [text('rowid'), text('v')] },
          { source: 'empty', target: 'empty', columns: [{ name: 'id', type: 'bigint', from: 'id' }] },
        ],
      },
    ],
  },
  'm.json',
);
const src = openSource(file, path.join(dir, file), { quickCheck: true, busyTimeoutMs: 100 });
const plan = buildRunPlan({ mapping, origin: 'm.json', hash: 'h' }, dir, new Map([[file, src]]));
const table = (name: string) => plan.tables.find((t) => t.source.table === name)!;
afterAll(() => src.close());

describe('rowidBounds', () => {
  it.each([
    ['aliased', [-7n, 9000000000n]],
    ['plain', [2n, 11n]],
    ['shadowed', [-2n, 40n]],
    ['empty', null],
  ])('reads the rowid range of %s', (name, expected) => {
    expect(rowidBounds(src.db, table(name))).toEqual(expected);
  });

  it('reads both ends from the b-tree without scanning the table', () => {
    for (const name of ['aliased', 'plain', 'shadowed']) {
      const steps = src.db!.prepare(`EXPLAIN QUERY PLAN ${rowidBoundsSql(table(name))}`).all() as { detail: string }[];
      expect(steps.map((s) => s.detail).filter((d) => /^SCAN (?!CONSTANT ROW)/.test(d))).toEqual([]);
      expect(steps.filter((s) => s.detail.startsWith('SEARCH')).length).toBe(2);
    }
  });
});
