// SQLite's five affinity rules (https://www.sqlite.org/datatype3.html §3.1), with the documentation's own examples.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { affinityOf } from '../../src/extract/affinity.js';

describe('affinityOf', () => {
  it.each([
    ['INT', 'INTEGER'],
    ['INTEGER', 'INTEGER'],
    ['TINYINT', 'INTEGER'],
    ['MEDIUMINT', 'INTEGER'],
    ['UNSIGNED BIG INT', 'INTEGER'],
    ['INT8', 'INTEGER'],
    ['CHARACTER(20)', 'TEXT'],
    ['VARCHAR(255)', 'TEXT'],
    ['NATIVE CHARACTER(70)', 'TEXT'],
    ['NVARCHAR(100)', 'TEXT'],
    ['TEXT', 'TEXT'],
    ['CLOB', 'TEXT'],
    ['TEXT VARCHAR', 'TEXT'],
    ['BLOB', 'BLOB'],
    ['', 'BLOB'],
    ['  ', 'BLOB'],
    ['REAL', 'REAL'],
    ['DOUBLE', 'REAL'],
    ['DOUBLE PRECISION', 'REAL'],
    ['FLOAT', 'REAL'],
    ['NUMERIC', 'NUMERIC'],
    ['DECIMAL(10,5)', 'NUMERIC'],
    ['BOOLEAN', 'NUMERIC'],
    ['DATE', 'NUMERIC'],
    ['DATETIME', 'NUMERIC'],
    ['STRING', 'NUMERIC'],
    ['JSON', 'NUMERIC'],
    // Rule order: "INT" is checked first, so a floating point type with "INT" in it is an integer.
    ['FLOATING POINT', 'INTEGER'],
    ['POINT', 'INTEGER'],
    ['CHARINT', 'INTEGER'],
    ['BLOBTEXT', 'TEXT'],
  ])('%j has %s affinity', (declared, affinity) => {
    expect(affinityOf(declared)).toBe(affinity);
  });

  it('agrees with what SQLite itself stores for each affinity', () => {
    const db = new Database(':memory:');
    const types = ['INT', 'TEXT VARCHAR', 'BLOB', '', 'FLOAT', 'STRING', 'FLOATING POINT'];
    db.exec(`CREATE TABLE t (${types.map((t, i) => `c${i} ${t}`).join(', ')})`);
    db.prepare(`INSERT INTO t VALUES (${types.map(() => "'42'").join(', ')})`).run();
    const stored = db
      .prepare(`SELECT ${types.map((_, i) => `typeof(c${i})`).join(', ')} FROM t`)
      .raw()
      .get() as string[];
    // '42' becomes an integer under INTEGER and NUMERIC affinity, a real under REAL, stays text otherwise.
    const expected: Record<string, string> = {
      INTEGER: 'integer',
      NUMERIC: 'integer',
      REAL: 'real',
      TEXT: 'text',
      BLOB: 'text',
    };
    expect(stored).toEqual(types.map((t) => expected[affinityOf(t)]));
    db.close();
  });
});
