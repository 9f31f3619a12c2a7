// Type choice: the declared type proposes, the stored values decide; an odd declared type never aborts.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { candidatesFor, chooseType, probesFor } from '../../src/init/type-choice.js';
import { profileTable } from '../../src/extract/value-profile.js';

/** Stores `values` in a column declared `declared` (through SQLite's own affinity) and chooses its type. */
function choose(declared: string, values: unknown[]) {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE t (c ${declared})`);
  const ins = db.prepare('INSERT INTO t VALUES (?)');
  for (const v of values) ins.run(v);
  const candidates = candidatesFor(declared);
  const profile = profileTable(db, 't', [{ name: 'c', probes: probesFor(candidates) }]);
  db.close();
  return chooseType(candidates, profile.columns.get('c')!);
}

describe('chooseType', () => {
  it.each([
    ['INTEGER', [1, 2, 3n], 'bigint'],
    ['MEDIUMINT', [5], 'bigint'],
    ['INT', [1, 2.5], 'numeric'],
    ['INTEGER', [1, 'abc'], 'text'],
    ['REAL', [1.5, 2], 'double precision'],
    ['DOUBLE PRECISION', [0.1], 'double precision'],
    ['NUMERIC(10,2)', ['12.50', 7, '9007199254740993'], 'numeric'],
    ['DECIMAL', ['abc', 1], 'text'],
    ['TEXT', ['a', 'b'], 'text'],
    ['TEXT VARCHAR', ['x'], 'text'],
    ['VARCHAR(10)', [''], 'text'],
    ['STRING', ['0123', 'abc'], 'text'],
    ['BLOB', [Buffer.from([0, 255])], 'bytea'],
    ['BLOB', [Buffer.from([0, 255]), 'text'], 'bytea'],
    ['BOOLEAN', [0, 1, 1], 'boolean'],
    ['BOOL', ['true', 'f'], 'boolean'],
    ['BOOLEAN', [0, 2], 'bigint'],
    ['BOOLEAN', ['yes', 'no'], 'text'],
    ['DATETIME', ['2024-01-02 10:00:00', '2024-01-02T10:00:00.123+02:00', 1700000000], 'timestamp'],
    ['DATETIME', ['2024-01-02', 'yesterday'], 'text'],
    ['DATETIME', [2460000.5, 2459000.25], 'double precision'],
    ['TIMESTAMP WITH TIME ZONE', ['2024-01-02 10:00:00Z'], 'timestamptz'],
    ['DATE', ['2024-01-02'], 'date'],
    ['DATE', ['2024-01-02 10:30:00'], 'timestamp'],
    ['TIME', ['10:30'], 'text'],
    ['JSON', ['{"a": 1}', '[1, 2]', 3], 'jsonb'],
    ['JSON', ['{"a": 1}', "{'a': 1}"], 'text'],
    ['UUID', ['0b7d…'], 'text'],
    // Untyped: better-sqlite3 binds a JavaScript number as REAL and a bigint as INTEGER, and SQLite keeps either.
    ['', [1n, 2n], 'bigint'],
    ['', [1n, 2.5], 'double precision'],
    ['', [1.0], 'double precision'],
    ['', [1n, 'x'], 'text'],
    ['', [Buffer.from([1, 2])], 'bytea'],
    ['', [Buffer.from([1, 2]), 'text'], 'bytea'],
    ['FLOATING POINT', [1.5], 'numeric'],
    ['WHATEVER', [7], 'bigint'],
    ['WHATEVER', ['x'], 'text'],
    // The storage classes decide where the declared type would end in text or bytea.
    ['BLOB', [1n, 10n, 100n, 2n], 'bigint'],
    ['STRING', [1n, 2n], 'bigint'],
    ['BLOB', [1n, 'a'], 'text'],
    ['BLOB', [1.5, 2.5], 'double precision'],
    ['BLOB', [1n, Buffer.from([0xff])], 'bytea'],
    ['', [1n, 'x', Buffer.from([0xff, 0])], 'bytea'],
    ['', [1.5, Buffer.from([0xff])], 'bytea'],
    ['', [2n ** 62n + 1n, 0.5], 'numeric'],
  ])('%j holding %s → %s', (declared, values, type) => {
    expect(choose(declared, values as unknown[]).type).toBe(type);
  });

  it('picks a type by the declared type alone when nothing is stored', () => {
    expect(choose('DATETIME', [null]).type).toBe('timestamp');
    expect(choose('INTEGER', []).type).toBe('bigint');
    expect(choose('BOOLEAN', []).type).toBe('boolean');
    expect(choose('', []).type).toBe('text');
    expect(choose('SOMETHING ODD', []).type).toBe('text');
    expect(choose('REAL', []).reason).toMatch(/no value stored to check/);
  });

  it('says why, in one line: declared type, what is stored, what each skipped candidate would refuse', () => {
    const c = choose('DATETIME', ['2024-01-02', 'yesterday']);
    expect(c.reason).toBe(
      "declared DATETIME → text: every stored value converts (stored: 2 text); timestamp would refuse 1 (e.g. text 'yesterday'); double precision would refuse 2 (e.g. text '2024-01-02')",
    );
    expect(choose('NUMERIC(10,2)', [1]).reason).toMatch(
      /numeric without precision or scale, so no stored digit is rounded \(SQLite does not enforce \(10,2\)\)/,
    );
    expect(choose('DATETIME', [2460000.5]).reason).toMatch(/a Julian day number/);
  });

  it('warns about declared types SQLite does not document, and chooses by affinity and values anyway', () => {
    for (const declared of ['STRING', 'WHATEVER', 'YEAR', 'FLOATING POINT', 'CHARINT']) {
      const c = choose(declared, ['1']);
      expect(c.warnings.join(), declared).toMatch(
        /^declared .+ \(not a SQLite type name: \w+ affinity\); chose the type by its affinity and the stored values$/,
      );
      expect(c.warnings.join()).toContain(`declared ${declared} (`);
    }
    // Documented by SQLite, or recognised by sqlite2pg's own table (TIMESTAMP, JSON, UUID…): no warning.
    for (const declared of [
      'INTEGER',
      'MEDIUMINT',
      'NUMERIC(10,2)',
      'DATETIME',
      'BOOLEAN',
      'VARCHAR(255)',
      '',
      'TIMESTAMP',
      'JSON',
      'UUID',
    ]) {
      expect(choose(declared, [1]).warnings, declared).toEqual([]);
    }
    // Other dialects' spellings whose affinity is plain (one affinity's words only): no warning either.
    for (const declared of [
      'SMALLINT UNSIGNED',
      'INT UNSIGNED',
      'MEDIUMTEXT',
      'LONGTEXT',
      'VARCHAR2(10)',
      'TEXT VARCHAR',
      'LONGBLOB',
      'DOUBLE UNSIGNED',
    ]) {
      expect(choose(declared, [1]).warnings, declared).toEqual([]);
    }
  });

  it('keeps every value in bytea when no candidate of the declared type takes them all, and warns', () => {
    const c = choose('TEXT', ['ok', 'a\u0000b']);
    expect(c.type).toBe('bytea');
    expect(c.warnings.join()).toMatch(
      /text would refuse 1 \(e\.g\. text 'a\\u0000b'\); chose bytea, which keeps them all/,
    );
  });

  it('keeps STRICT ANY columns like untyped ones', () => {
    expect(candidatesFor('ANY', true).chain).toEqual(candidatesFor('').chain);
    expect(candidatesFor('ANY', false).affinity).toBe('NUMERIC');
  });
});
