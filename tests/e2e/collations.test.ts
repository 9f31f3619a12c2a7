// Collations the reader lacks: a flashcard-style file whose schema uses an application's own collation
// (`unicase`, registered only while the test writes the file) goes through init, migrate and verify with
// every row; a WITHOUT ROWID table keyed by it, which no reader lacking it can read, is refused with exit 2.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { initMigrateVerify, python3, runPython, type InitRun } from '../support/init-run.js';
import type { Mapping } from '../../src/model/mapping-types.js';

const HAS_PYTHON = python3() !== null;

/** Writes the file with Python's sqlite3, the only writer at hand that registers a collation. */
const FLASHCARDS = `import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.create_collation('unicase', lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
db.executescript('''
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL COLLATE unicase, body TEXT);
CREATE INDEX notes_title ON notes (title);
CREATE TABLE decks (id INTEGER PRIMARY KEY, name TEXT COLLATE unicase UNIQUE);
CREATE TABLE cards (word TEXT COLLATE unicase PRIMARY KEY, deck INTEGER REFERENCES decks(id), note INTEGER REFERENCES notes(id));
CREATE TABLE reviews (card TEXT REFERENCES cards(word), ease INTEGER);
''')
for i in range(1, 41):
    db.execute('INSERT INTO notes (id, title, body) VALUES (?, ?, ?)', (i, ('Apple', 'apple', 'Zebra', 'b\\u00e9')[i % 4] + str(i // 4), 'body %d' % i))
db.executemany('INSERT INTO decks (id, name) VALUES (?, ?)', [(1, 'Default'), (2, 'spanish'), (3, 'Zulu')])
for i in range(1, 31):
    db.execute('INSERT INTO cards VALUES (?, ?, ?)', ('Word%02d' % i, i % 3 + 1, i))
    db.execute('INSERT INTO reviews VALUES (?, ?)', ('Word%02d' % i, i % 4))
db.commit()
`;

const TAGS = `import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.create_collation('unicase', lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
db.executescript('''
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT COLLATE unicase);
CREATE TABLE tags (tag TEXT NOT NULL PRIMARY KEY COLLATE unicase, usn INTEGER) WITHOUT ROWID;
INSERT INTO notes VALUES (1, 'a'), (2, 'B');
INSERT INTO tags VALUES ('leech', 1), ('Marked', 2);
''')
db.commit()
`;

const fx = useFixtureTarget('s2p-coll-', { fixtures: false });

describe.skipIf(!HAS_PYTHON)('a flashcard-style file using the collation unicase', () => {
  let r: InitRun;
  beforeAll(async () => {
    runPython(FLASHCARDS, path.join(fx.dir, 'collection.anki2'));
    r = await initMigrateVerify(fx.dir, 'collection.anki2', fx.db.url);
  });

  it('init exits 0, maps every table, gives the unicase columns COLLATE "C" and says so', () => {
    expect(r.init.code).toBe(0);
    expect(r.mapping.sources[0].tables.map((t) => t.source)).toEqual(['notes', 'decks', 'cards', 'reviews']);
    const col = (t: string, c: string) =>
      r.mapping.sources[0].tables.find((x) => x.source === t)!.columns.find((x) => x.name === c)!;
    expect(col('notes', 'title')).toMatchObject({ type: 'text', collation: 'C' });
    expect(col('cards', 'word')).toMatchObject({ type: 'text', collation: 'C' });
    expect(col('reviews', 'card').collation).toBeUndefined();
    const entry = r.mapping.sources[0].notMigrated!.find((n) => n.kind === 'collation' && n.name === 'notes')!;
    expect(entry.reason).toMatch(
      /title: unicase \(an application's own collation, which this reader lacks.*\) → COLLATE "C"/,
    );
    expect(r.init.stderr).toMatch(/quick_check cannot check the indexes of notes: they use collation unicase/);
  });

  it('migrate and verify exit 0 with every row; the target columns are COLLATE "C" and hold the source values', async () => {
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    const rows = Object.fromEntries(
      r.migrate.json.tables.map((t: { target: string; targetRows: number; rejectedRows: number }) => [
        t.target,
        [t.targetRows, t.rejectedRows],
      ]),
    );
    expect(rows).toEqual({
      'collection.notes': [40, 0],
      'collection.decks': [3, 0],
      'collection.cards': [30, 0],
      'collection.reviews': [30, 0],
    });
    expect(r.verify.code, r.verify.stderr).toBe(0);
    const coll = await fx.db.query(
      "SELECT table_name, column_name, collation_name FROM information_schema.columns WHERE table_schema = 'collection' AND collation_name IS NOT NULL ORDER BY 1, 2",
    );
    expect(coll.rows.map((x) => `${x.table_name}.${x.column_name}:${x.collation_name}`)).toEqual([
      'cards.word:C',
      'decks.name:C',
      'notes.title:C',
    ]);
    const titles = (await fx.db.query('SELECT title FROM collection.notes ORDER BY title LIMIT 4')).rows.map(
      (x) => x.title,
    );
    expect(titles).toEqual(['Apple1', 'Apple10', 'Apple2', 'Apple3']);
    expect(
      (await fx.db.query('SELECT id::int, title, body FROM collection.notes WHERE id IN (1, 3, 4) ORDER BY id')).rows,
    ).toEqual([
      { id: 1, title: 'apple0', body: 'body 1' },
      { id: 3, title: 'bé0', body: 'body 3' },
      { id: 4, title: 'Apple1', body: 'body 4' },
    ]);
    expect(
      (await fx.db.query("SELECT word, deck::int, note::int FROM collection.cards WHERE word = 'Word07'")).rows,
    ).toEqual([{ word: 'Word07', deck: 2, note: 7 }]);
  });
});

describe.skipIf(!HAS_PYTHON)('a WITHOUT ROWID table keyed by a collation the reader lacks', () => {
  let r: InitRun;
  let handMapping: string;
  beforeAll(async () => {
    runPython(TAGS, path.join(fx.dir, 'tagged.db'));
    r = await initMigrateVerify(fx.dir, 'tagged.db', fx.db.url);
    const m = structuredClone(r.mapping) as Mapping;
    m.sources[0].skipTables = [];
    m.sources[0].schema = 'tagged_by_hand';
    m.sources[0].tables.push({
      source: 'tags',
      target: 'tags',
      primaryKey: ['tag'],
      columns: [
        { name: 'tag', type: 'text', from: 'tag', nullable: false },
        { name: 'usn', type: 'bigint', from: 'usn' },
      ],
    });
    handMapping = path.join(fx.dir, 'tagged-by-hand.json');
    writeFileSync(handMapping, JSON.stringify(m));
  });

  it('init lists it as not migrated with the cause, and the rest migrates and verifies (exit 0)', () => {
    expect(r.init.code).toBe(0);
    expect(r.mapping.sources[0].skipTables).toEqual([
      {
        table: 'tags',
        reason: expect.stringMatching(
          /^not migrated: SQLite refuses to read its rows here \(no such collation sequence: unicase\)/,
        ),
      },
    ]);
    expect(r.mapping.sources[0].notMigrated!.find((n) => n.name === 'tags')).toMatchObject({
      kind: 'table',
      reason: expect.stringMatching(/no such collation sequence: unicase/),
    });
    expect(r.init.stderr).toMatch(
      /tags: table not migrated: SQLite refuses to read its rows here \(no such collation sequence: unicase\)/,
    );
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    expect(r.verify.code, r.verify.stderr).toBe(0);
  });

  it('a mapping naming it makes migrate and verify exit 2 naming file, table and cause, leaving no table behind', async () => {
    for (const extra of [[], ['--no-quick-check']]) {
      const m = await runCli([
        'migrate',
        '--mapping',
        handMapping,
        '--source-dir',
        fx.dir,
        '--target',
        fx.db.url,
        ...extra,
      ]);
      expect(m.code, m.stderr).toBe(2);
      expect(m.stderr).toMatch(
        /source tagged\.db, table tags: its rows cannot be read \(no such collation sequence: unicase\)/,
      );
      expect(m.stderr).not.toMatch(/--mode resume/);
    }
    const v = await runCli(['verify', '--mapping', handMapping, '--source-dir', fx.dir, '--target', fx.db.url]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/table tags: its rows cannot be read/);
    expect(
      (
        await fx.db.query(
          "SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'tagged_by_hand'",
        )
      ).rows[0].n,
    ).toBe(0);
    expect(JSON.parse(readFileSync(handMapping, 'utf8')).sources[0].tables).toHaveLength(2);
  });
});
