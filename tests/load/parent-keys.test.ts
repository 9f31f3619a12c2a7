// The referenced tables' keys as the key guard receives them, read from a real server: dense integer ids
// as bits, sparse ones as a sorted array, others as text — each answering exactly as a Set of the keys.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyGuard, type DenseIntKeys } from '../../src/feed/key-guard.js';
import { parentKeyBuffers, readAllParentKeys, readDenseKeys } from '../../src/load/parent-keys.js';
import type { TablePlan } from '../../src/model/table-plan.js';
import { openSession, type PgSession } from '../verify/pg-session.js';

let session: PgSession;
let client: pg.Client;

beforeAll(async () => {
  session = await openSession();
  client = session.client;
  await client.query(`CREATE SCHEMA p;
    CREATE TABLE p.dense (id int PRIMARY KEY);
    INSERT INTO p.dense SELECT i FROM generate_series(1, 5000) i WHERE i % 7 <> 0;
    CREATE TABLE p.sparse (id bigint PRIMARY KEY);
    INSERT INTO p.sparse SELECT i * 1000 FROM generate_series(-20, 20) i;
    CREATE TABLE p.huge (id bigint PRIMARY KEY);
    INSERT INTO p.huge SELECT 9223372036854775807 - i FROM generate_series(0, 300) i WHERE i % 5 <> 1;
    CREATE TABLE p.named (code text PRIMARY KEY);
    INSERT INTO p.named VALUES ('a'), ('b'), ('7');`);
});

afterAll(async () => {
  await session?.close();
});

/** A child table's plan with one integer foreign key per parent (and two to p.dense), as far as the key reads look. */
function childPlan(): TablePlan {
  const fk = (name: string, column: string, references: string, referenced: string) => ({
    name,
    columns: [column],
    references,
    referencedColumns: [referenced],
  });
  return {
    targetName: 'c.child',
    target: { schema: 'c', table: 'child' },
    primaryKey: [],
    unique: [],
    columns: [
      { name: 'a', logical: 'int4' },
      { name: 'b', logical: 'int4' },
      { name: 's', logical: 'int8' },
      { name: 'h', logical: 'int8' },
      { name: 'n', logical: 'text' },
    ],
    foreignKeys: [
      fk('a_fk', 'a', 'p.dense', 'id'),
      fk('b_fk', 'b', 'p.dense', 'id'),
      fk('s_fk', 's', 'p.sparse', 'id'),
      fk('h_fk', 'h', 'p.huge', 'id'),
      fk('n_fk', 'n', 'p.named', 'code'),
    ],
  } as unknown as TablePlan;
}

/** The guard's answer for one value in the column at `index` (the others NULL: MATCH SIMPLE passes them). */
function accepts(guard: KeyGuard, index: number, value: bigint | string): boolean {
  const fields: (bigint | string | null)[] = [null, null, null, null, null];
  fields[index] = value;
  return guard.check(fields as never) === null;
}

describe('readAllParentKeys', () => {
  it('reads dense ids as bits, sparse ids sorted, text as text; the guard answers as the tables hold', async () => {
    const parents = await readAllParentKeys(client, childPlan());
    const dense = parents.byName.a_fk as DenseIntKeys;
    expect(dense.low).toBe(1n);
    expect(dense.bits.length).toBe(625); // 4,999 values from 1: 625 bytes, where 4,286 keys sorted take 34,288
    expect(parents.byName.b_fk).toBe(dense); // one read, one set
    expect(parents.byName.s_fk).toBeInstanceOf(BigInt64Array);
    expect([...(parents.byName.s_fk as BigInt64Array)]).toEqual(
      Array.from({ length: 41 }, (_, i) => BigInt((i - 20) * 1000)),
    );
    expect(Array.isArray(parents.byName.n_fk)).toBe(true);
    // beyond 2^53 the keys are bits too (read as bigints)
    expect((parents.byName.h_fk as DenseIntKeys).low).toBe(9223372036854775807n - 300n);

    const guard = KeyGuard.fromKeys(childPlan(), parents);
    for (let k = -2; k <= 5003; k++)
      expect(accepts(guard, 0, BigInt(k)), `dense ${k}`).toBe(k >= 1 && k <= 5000 && k % 7 !== 0);
    for (let k = -20_002; k <= 20_002; k += 1)
      if (k % 500 === 0 || Math.abs(k % 1000) <= 1)
        expect(accepts(guard, 2, BigInt(k)), `sparse ${k}`).toBe(k % 1000 === 0 && Math.abs(k) <= 20_000);
    for (let i = -2; i <= 302; i++) {
      const k = 9223372036854775807n - BigInt(i);
      if (i >= 0) expect(accepts(guard, 3, k), `huge ${k}`).toBe(i <= 300 && i % 5 !== 1);
    }
    expect(['a', 'b', '7', 'c', ''].map((v) => accepts(guard, 4, v))).toEqual([true, true, true, false, false]);
  });

  it('hands every integer buffer to the worker once', async () => {
    const parents = await readAllParentKeys(client, childPlan());
    const buffers = parentKeyBuffers(parents);
    // dense (bits, outside), sparse, huge (bits, outside): the shared dense read counted once
    expect(buffers.length).toBe(5);
    expect(new Set(buffers).size).toBe(5);
  });

  it('keeps a key read outside the counted range aside (a row added between the count and the read)', async () => {
    await client.query(
      `CREATE TABLE p.growing (id int PRIMARY KEY); INSERT INTO p.growing SELECT generate_series(1, 100); INSERT INTO p.growing VALUES (102), (-5), (100000)`,
    );
    // As if the count had seen 1..100 only.
    const keys = await readDenseKeys(client, 'COPY (SELECT id FROM p.growing) TO STDOUT', 1n, 100n);
    expect([...keys.outside]).toEqual([-5n, 102n, 100000n]);
    const guard = KeyGuard.fromKeys(
      {
        ...childPlan(),
        foreignKeys: [{ name: 'g', columns: ['a'], references: 'p.growing', referencedColumns: ['id'] }],
      } as unknown as TablePlan,
      { byName: { g: keys } },
    );
    expect([-5n, 0n, 1n, 100n, 101n, 102n, 103n, 100000n].map((k) => accepts(guard, 0, k))).toEqual([
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      true,
    ]);
  });
});
