// The one-pass profile of what a table stores: storage classes as typeof() says them, longest values, probes.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { profileTable, describeClasses } from '../../src/extract/value-profile.js';
import { countOrphans } from '../../src/extract/fk-orphans.js';

describe('profileTable', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE "my table" (v, "Odd Name" TEXT)`);
  const ins = db.prepare('INSERT INTO "my table" VALUES (?, ?)');
  for (const v of [1n, 2.5, 'text', Buffer.from([0, 255, 1]), null, 'ééé']) ins.safeIntegers(true).run(v, 'x');

  it('counts each storage class exactly as typeof() does', () => {
    const p = profileTable(db, 'my table', [
      { name: 'v', probes: [] },
      { name: 'Odd Name', probes: [] },
    ]);
    expect(p.rows).toBe(6);
    const byTypeof = db.prepare('SELECT typeof(v) AS t, count(*) AS n FROM "my table" GROUP BY 1').all() as {
      t: string;
      n: number;
    }[];
    for (const { t, n } of byTypeof) expect(p.columns.get('v')!.classes[t as 'integer']).toBe(n);
    expect(describeClasses(p.columns.get('v')!)).toBe('1 NULL, 1 integer, 1 real, 2 text, 1 blob');
    // 'ééé' is 6 bytes of UTF-8: the longest value, in bytes.
    expect(p.columns.get('v')!.maxBytes).toBe(6);
  });

  it('runs probes on non-NULL values and keeps the first value each refuses', () => {
    const p = profileTable(db, 'my table', [
      { name: 'v', probes: [{ name: 'is-number', accepts: (x) => typeof x === 'bigint' || typeof x === 'number' }] },
    ]);
    expect(p.columns.get('v')!.probes).toEqual([{ name: 'is-number', refused: 3, example: 'text' }]);
  });

  it('counts rows pointing at no parent row, NULL keys left alone', () => {
    const fk = new Database(':memory:');
    fk.exec(`CREATE TABLE p (a, b); CREATE TABLE c (x, y);
             INSERT INTO p VALUES (1, 1), (2, 2);
             INSERT INTO c VALUES (1, 1), (1, 2), (NULL, 5), (3, NULL), (2, 2);`);
    expect(countOrphans(fk, 'c', ['x', 'y'], 'p', ['a', 'b'])).toBe(1);
    expect(countOrphans(fk, 'c', ['x'], 'p', ['a'])).toBe(1);
    expect(countOrphans(fk, 'c', ['y'], 'p', ['b'])).toBe(1);
  });
});
