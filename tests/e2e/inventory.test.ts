// Every source object accounted for: an `init` mapping of a file with tables, a view, a trigger, a partial
// unique index, an expression index and a foreign-key cycle migrates and verifies with exit 0 and an
// inventory naming each object's fate; a mapping that forgets a table holding rows exits 1 naming it and
// its rows (0 once the mapping skips it by name); a mapping naming a table the file lacks exits 2.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { targetSnapshot } from '../support/faults.js';
import type { Mapping } from '../../src/model/mapping-types.js';
import type { InventoryEntry } from '../../src/model/inventory-entry.js';

const fx = useFixtureTarget('s2p-inventory-', { fixtures: false, database: false });
let mapping: Mapping;

function makeLibrary(file: string): void {
  const d = new Database(file);
  d.pragma('foreign_keys = OFF');
  d.exec(`
    CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), title TEXT NOT NULL, isbn TEXT, deleted INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    CREATE TABLE a_side (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b_side(id));
    CREATE TABLE b_side (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a_side(id));
    CREATE INDEX books_by_author ON books (author_id);
    CREATE UNIQUE INDEX books_live_isbn ON books (isbn) WHERE deleted = 0;
    CREATE INDEX authors_lower_name ON authors (lower(name));
    CREATE VIEW live_books AS SELECT * FROM books WHERE deleted = 0;
    CREATE TRIGGER books_touch AFTER UPDATE ON books BEGIN SELECT 1; END;
    INSERT INTO authors VALUES (1, 'Ann'), (2, 'Émile');
    INSERT INTO books VALUES (10, 1, 'First', '111', 0), (11, 1, 'First, again', '111', 1), (12, 2, 'Second', NULL, 0);
    INSERT INTO notes VALUES (1, 'one'), (2, 'two'), (3, NULL);
    INSERT INTO a_side VALUES (1, 1);
    INSERT INTO b_side VALUES (1, 1);`);
  d.close();
}

function writeMapping(name: string, change: (m: Mapping) => void): string {
  const m = structuredClone(mapping);
  change(m);
  const f = path.join(fx.dir, name);
  writeFileSync(f, JSON.stringify(m, null, 2));
  return f;
}

const byName = (inv: InventoryEntry[]) => new Map(inv.map((e) => [`${e.kind} ${e.name}`, e]));

beforeAll(async () => {
  makeLibrary(path.join(fx.dir, 'library.db'));
  const init = await runCli(['init', path.join(fx.dir, 'library.db'), '--out', path.join(fx.dir, 'init.json')]);
  expect(init.code, init.stderr).toBe(0);
  mapping = JSON.parse(readFileSync(path.join(fx.dir, 'init.json'), 'utf8'));
});

describe('an untouched init mapping accounts for every object', () => {
  it('migrates and verifies with exit 0, the inventory naming each object and what became of it', async () => {
    const db = await fx.freshDb();
    const report = path.join(fx.dir, 'init-report.json');
    const migrate = await runCli([
      'migrate',
      '--source-dir',
      fx.dir,
      '--mapping',
      path.join(fx.dir, 'init.json'),
      '--target',
      db.url,
      '--report',
      report,
    ]);
    expect(migrate.code, migrate.stderr + migrate.stdout).toBe(0);
    const m = JSON.parse(readFileSync(report, 'utf8'));
    const inv = byName(m.inventory);
    expect(inv.get('table authors')).toMatchObject({
      file: 'library.db',
      fate: 'loaded',
      target: 'library.authors',
      rows: 2,
      loadedRows: 2,
      targetRows: 2,
    });
    expect(inv.get('table books')).toMatchObject({ fate: 'loaded', target: 'library.books', rows: 3, loadedRows: 3 });
    expect(inv.get('table notes')).toMatchObject({ fate: 'loaded', target: 'library.notes', rows: 3, loadedRows: 3 });
    expect(inv.get('index books_by_author')).toMatchObject({
      table: 'books',
      fate: 'created',
      target: 'library.books: index books_by_author',
    });
    expect(inv.get('index books_live_isbn')).toMatchObject({
      table: 'books',
      fate: 'created',
      target: 'library.books: index books_live_isbn',
      detail: expect.stringMatching(/partial index/),
    });
    expect(inv.get('index authors_lower_name')).toMatchObject({
      table: 'authors',
      fate: 'created',
      target: 'library.authors: index authors_lower_name',
      detail: expect.stringMatching(/index on expressions/),
    });
    expect(inv.get('view live_books')).toMatchObject({ fate: 'created', target: 'library.live_books' });
    expect(inv.get('trigger books_touch')).toMatchObject({
      table: 'books',
      fate: 'not migrated',
      detail: expect.stringMatching(/^triggers are not migrated/),
    });
    expect(inv.get('foreign key (author_id) → authors')).toMatchObject({
      table: 'books',
      fate: 'created',
      target: 'library.books: foreign key books_author_id_fkey',
    });
    expect(inv.get('foreign key (b_id) → b_side')).toMatchObject({ table: 'a_side', fate: 'created' });
    // A foreign key closing a cycle is added after the load (its parent may load later).
    expect(inv.get('foreign key (a_id) → a_side')).toMatchObject({
      table: 'b_side',
      fate: 'created',
      target: 'library.b_side: foreign key b_side_a_id_fkey',
    });
    expect(m.inventory.filter((e: InventoryEntry) => e.fate === 'not accounted for')).toEqual([]);
    // What does not arrive is a warning of the migrate report, by name (and nothing else is).
    expect(m.warnings).toHaveLength(1);
    for (const name of ['trigger books_touch']) {
      expect(
        m.warnings.some((w: string) => w.startsWith(`library.db: ${name}`)),
        name,
      ).toBe(true);
    }
    expect(migrate.stdout).toMatch(
      /library\.db: trigger books_touch \(on books\): not migrated — triggers are not migrated/,
    );
    expect((await db.query('SELECT id FROM library.live_books ORDER BY id')).rows).toEqual([
      { id: '10' },
      { id: '12' },
    ]);
    // The rows, by value.
    expect((await db.query('SELECT id, name FROM library.authors ORDER BY id')).rows).toEqual([
      { id: '1', name: 'Ann' },
      { id: '2', name: 'Émile' },
    ]);
    expect((await db.query('SELECT id, author_id, title, isbn, deleted FROM library.books ORDER BY id')).rows).toEqual([
      { id: '10', author_id: '1', title: 'First', isbn: '111', deleted: '0' },
      { id: '11', author_id: '1', title: 'First, again', isbn: '111', deleted: '1' },
      { id: '12', author_id: '2', title: 'Second', isbn: null, deleted: '0' },
    ]);
    expect((await db.query('SELECT id, body FROM library.notes ORDER BY id')).rows).toEqual([
      { id: '1', body: 'one' },
      { id: '2', body: 'two' },
      { id: '3', body: null },
    ]);

    const verify = await runCli([
      'verify',
      '--source-dir',
      fx.dir,
      '--mapping',
      path.join(fx.dir, 'init.json'),
      '--target',
      db.url,
      '--json',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const v = byName(verify.json.inventory);
    expect(v.get('table notes')).toMatchObject({ fate: 'loaded', rows: 3, targetRows: 3 });
    expect(v.get('index books_live_isbn')).toMatchObject({ fate: 'created' });
    expect(verify.json.inventory.map((e: InventoryEntry) => `${e.kind} ${e.name}`)).toEqual(
      m.inventory.map((e: InventoryEntry) => `${e.kind} ${e.name}`),
    );
  });
});

describe('a mapping that forgets a table holding rows', () => {
  it('loads the rest, and migrate and verify exit 1 naming the table and its rows; skipped by name, exit 0', async () => {
    const db = await fx.freshDb();
    const forgot = writeMapping(
      'forgot.json',
      (m) => (m.sources[0].tables = m.sources[0].tables.filter((t) => t.source !== 'notes')),
    );
    const planned = await runCli(['plan', '--source-dir', fx.dir, '--mapping', forgot]);
    expect(planned.code, planned.stderr).toBe(1);
    expect(planned.stdout).toMatch(
      /NOT ACCOUNTED FOR: library\.db:notes holds rows the mapping neither maps nor excludes; migrate and verify would exit 1/,
    );
    const report = path.join(fx.dir, 'forgot-report.json');
    const migrate = await runCli([
      'migrate',
      '--source-dir',
      fx.dir,
      '--mapping',
      forgot,
      '--target',
      db.url,
      '--report',
      report,
    ]);
    expect(migrate.code, migrate.stderr).toBe(1);
    expect(migrate.stdout).toMatch(/library\.db: table notes: NOT ACCOUNTED FOR — 3 rows, neither mapped nor excluded/);
    expect(migrate.stdout).toMatch(
      /DIFFERENCES: source table neither mapped nor excluded: library\.db:notes \(3 rows\)/,
    );
    const m = JSON.parse(readFileSync(report, 'utf8'));
    expect(m.status).toBe('differences');
    expect(byName(m.inventory).get('table notes')).toMatchObject({ fate: 'not accounted for', rows: 3 });
    expect(m.warnings).toContain(
      'library.db: table notes: not accounted for: 3 rows, neither mapped nor excluded: map it, or list it under "skipTables" to leave it behind on purpose',
    );
    expect(m.tables.every((t: { status: string }) => t.status === 'match')).toBe(true);
    expect((await db.query('SELECT id, title FROM library.books ORDER BY id')).rows.map((r) => r.title)).toEqual([
      'First',
      'First, again',
      'Second',
    ]);
    expect((await db.query("SELECT to_regclass('library.notes') AS t")).rows[0].t).toBeNull();

    const verify = await runCli(['verify', '--source-dir', fx.dir, '--mapping', forgot, '--target', db.url, '--json']);
    expect(verify.code, verify.stderr).toBe(1);
    expect(byName(verify.json.inventory).get('table notes')).toMatchObject({ fate: 'not accounted for', rows: 3 });
    // A table left out of the comparison by --tables is not forgotten; the forgotten one still counts.
    const some = await runCli([
      'verify',
      '--source-dir',
      fx.dir,
      '--mapping',
      forgot,
      '--target',
      db.url,
      '--tables',
      'books',
      '--json',
    ]);
    expect(some.code, some.stderr).toBe(1);
    const s = byName(some.json.inventory);
    expect(s.get('table authors')).toMatchObject({
      fate: 'loaded',
      target: 'library.authors',
      detail: 'not verified by this run (--tables)',
    });
    expect(s.get('table books')).toMatchObject({ fate: 'loaded', rows: 3, targetRows: 3 });
    expect(s.get('table notes')).toMatchObject({ fate: 'not accounted for', rows: 3 });
    const md = await runCli([
      'verify',
      '--source-dir',
      fx.dir,
      '--mapping',
      forgot,
      '--target',
      db.url,
      '--format',
      'markdown',
    ]);
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/\| library\.db \| table notes \| {2}\| ✗ NOT ACCOUNTED FOR — 3 rows/);

    const skipped = writeMapping('skipped.json', (m) => {
      m.sources[0].tables = m.sources[0].tables.filter((t) => t.source !== 'notes');
      m.sources[0].skipTables = [{ table: 'notes', reason: 'scratch notes, not wanted' }];
    });
    const again = await runCli(['verify', '--source-dir', fx.dir, '--mapping', skipped, '--target', db.url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(byName(again.json.inventory).get('table notes')).toMatchObject({
      fate: 'excluded',
      rows: 3,
      detail: 'scratch notes, not wanted',
    });
    const text = await runCli(['verify', '--source-dir', fx.dir, '--mapping', skipped, '--target', db.url]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'library.db: table notes: excluded by the mapping, 3 rows — scratch notes, not wanted',
    );
    expect(text.stdout).toMatch(
      /OK: every source row is in the target, accounted for as a reject, or in a table the mapping excludes \(1 table, 3 rows\)/,
    );
  });
});

describe('a mapping naming a table the file does not have', () => {
  it('is a bad mapping: exit 2 naming the file and the table, the target untouched', async () => {
    const db = await fx.freshDb();
    const before = await targetSnapshot(db);
    const typo = writeMapping('typo.json', (m) => {
      const notes = m.sources[0].tables.find((t) => t.source === 'notes')!;
      notes.source = 'notez';
      m.sources[0].skipTables = ['notes'];
    });
    for (const command of ['migrate', 'verify']) {
      const r = await runCli([command, '--source-dir', fx.dir, '--mapping', typo, '--target', db.url]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /library\.db: the mapping names table "notez", which the file does not have \(its tables: a_side, authors, b_side, books, notes\)/,
      );
    }
    expect(await targetSnapshot(db)).toEqual(before);
  });
});
