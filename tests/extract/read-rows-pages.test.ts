// A page of source rows holds at most PAGE_BYTES of values (or one row): a table of large BLOBs is read a
// few rows at a time, not pageSize of them at once, and every row still comes exactly once, in key order.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { openSource } from '../../src/extract/open-source.js';
import { PAGE_BYTES, readRawPages } from '../../src/extract/read-rows.js';
import { tempDir } from '../support/temp-dir.js';

const MB = 1024 * 1024;
const dir = tempDir('s2p-pages-');
const file = 'app.db';
const setup = new Database(path.join(dir, file));
setup.exec(`
  CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB);
  CREATE TABLE notes (k TEXT PRIMARY KEY, body TEXT) WITHOUT ROWID;
`);
// 20 small rows, 40 rows of 3 MB, 20 small rows: the pages must shrink in the middle and grow back after.
const sizeOf = (i: number) => (i > 20 && i <= 60 ? 3 * MB : 10);
const fill = (i: number) => Buffer.alloc(sizeOf(i), i);
const insertFile = setup.prepare('INSERT INTO files VALUES (?, ?)');
const insertNote = setup.prepare('INSERT INTO notes VALUES (?, ?)');
setup.transaction(() => {
  for (let i = 1; i <= 80; i++) insertFile.run(i, fill(i));
  for (let i = 1; i <= 30; i++) insertNote.run(`k${String(i).padStart(3, '0')}`, 'x'.repeat(i % 2 === 0 ? 2 * MB : 5));
})();
setup.close();

const mapping = validateMapping(
  {
    version: 1,
    name: 't',
    sources: [
      {
        file,
        schema: 's',
        tables: [
          {
            source: 'files',
            target: 'files',
            columns: [
              { name: 'id', type: 'bigint', from: 'id' },
              { name: 'data', type: 'bytea', from: 'data' },
            ],
          },
          {
            source: 'notes',
            target: 'notes',
            primaryKey: ['k'],
            columns: [
              { name: 'k', type: 'text', from: 'k' },
              { name: 'body', type: 'text', from: 'body' },
            ],
          },
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

const bytesOf = (page: unknown[][]) =>
  page.reduce(
    (n, row) =>
      n +
      row.reduce<number>(
        (m, v) => m + (typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength : 0),
        0,
      ),
    0,
  );

describe('readRawPages', () => {
  it('keeps each page within PAGE_BYTES (or one row) and yields every row once, in key order', () => {
    const pages = [...readRawPages(src.db, table('files'), 256)];
    const ids = pages.flat().map((r) => Number(r[0]));
    expect(ids).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    for (const page of pages) expect(page.length === 1 || bytesOf(page) <= PAGE_BYTES).toBe(true);
    // The values are the rows' own, not a neighbour's.
    for (const row of pages.flat()) expect((row[2] as Buffer).equals(fill(Number(row[0])))).toBe(true);
    // Small rows come many to a page again once the large ones are past.
    expect(pages[pages.length - 1].length).toBeGreaterThan(1);
  });
  it('does so within a rowid range', () => {
    const pages = [...readRawPages(src.db, table('files'), 256, { from: 15n, to: 65n })];
    expect(pages.flat().map((r) => Number(r[0]))).toEqual(Array.from({ length: 51 }, (_, i) => i + 15));
    for (const page of pages) expect(page.length === 1 || bytesOf(page) <= PAGE_BYTES).toBe(true);
  });
  it('pages a WITHOUT ROWID table by its key the same way', () => {
    const pages = [...readRawPages(src.db, table('notes'), 256)];
    expect(pages.flat().map((r) => r[0])).toEqual(
      Array.from({ length: 30 }, (_, i) => `k${String(i + 1).padStart(3, '0')}`),
    );
    for (const page of pages) expect(page.length === 1 || bytesOf(page) <= PAGE_BYTES).toBe(true);
    expect(pages.length).toBeGreaterThan(1);
  });
});
