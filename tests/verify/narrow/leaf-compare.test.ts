// Row-by-row comparison: rows paired by key (duplicates kept apart, --grace on one side settles), or
// compared as a multiset when there is no key; the findings keep exact counts and capped samples.
import { describe, expect, it } from 'vitest';
import { KeyedLeaf, KeylessLeaf } from '../../../src/verify/narrow/leaf-compare.js';
import { Findings } from '../../../src/verify/narrow/findings.js';
import type { CanonicalRow } from '../../../src/verify/pass/source-side.js';

const src = (key: string, sourceKey = key): CanonicalRow => ({
  sourceKey,
  targetKey: key,
  values: [key],
  invalid: null,
});
const tgt = (key: string | null, ctid?: string): CanonicalRow => ({
  sourceKey: null,
  targetKey: key,
  values: [key],
  invalid: null,
  ctid,
});

describe('KeyedLeaf', () => {
  it('finds missing, extra and changed rows, and keeps a source row duplicated by key apart', () => {
    const leaf = new KeyedLeaf(['id'], 10);
    leaf.addSource(src('1'), 'a', false);
    leaf.addSource(src('2'), 'b', false);
    leaf.addSource(src('3'), 'c', false);
    leaf.addSource(src('3', '99'), 'c', false); // a second source row with key 3
    leaf.matchTarget(tgt('1'), 'a', false);
    leaf.matchTarget(tgt('2'), 'B', false);
    leaf.matchTarget(tgt('3'), 'c', false);
    leaf.matchTarget(tgt('4'), 'd', false);
    leaf.finish();
    expect(leaf.candidates.map((c) => [c.kind, c.key, c.sourceKey])).toEqual([
      ['changed', '2', '2'],
      ['extra', '4', null],
      ['missing', '3', '99'],
    ]);
    expect(leaf.candidates[0].targetValues).toEqual(['2']);
  });

  it('a row within --grace on one side only is in flight; on both sides, nothing', () => {
    const leaf = new KeyedLeaf(['id'], 0);
    leaf.addSource(src('1'), 'a', false);
    leaf.addSource(src('2'), 'b', true);
    leaf.addSource(src('5'), 'e', true);
    leaf.matchTarget(tgt('1'), 'A', true);
    leaf.matchTarget(tgt('2'), 'B', true);
    leaf.matchTarget(tgt('6'), 'f', true);
    leaf.finish();
    expect(leaf.candidates).toEqual([]);
    expect(leaf.inFlight).toBe(1);
  });
});

describe('KeylessLeaf', () => {
  it('compares multisets: a duplicate row does not cancel, a changed row is one missing and one extra', () => {
    const leaf = new KeylessLeaf(true);
    leaf.addSource({ ...src('x', '1'), targetKey: null }, 'dup', false);
    leaf.addSource({ ...src('x', '2'), targetKey: null }, 'dup', false);
    leaf.addSource({ ...src('y', '3'), targetKey: null }, 'old', false);
    leaf.matchTarget(tgt(null, 'ctid (0,1)'), 'dup', false);
    leaf.matchTarget(tgt(null, 'ctid (0,2)'), 'new', false);
    leaf.finish();
    expect(leaf.candidates.map((c) => `${c.kind} ${c.ctid ?? c.key}`).sort()).toEqual([
      'extra ctid (0,2)',
      'missing rowid 2',
      'missing rowid 3',
    ]);
  });
});

describe('Findings', () => {
  it('counts every row, samples the first N, in key order', () => {
    const f = new Findings(2);
    for (const k of ['10', '9', '100']) f.add({ kind: 'changed', key: k, sourceKey: k, columns: ['a'] });
    f.add({ kind: 'missing', key: '7', sourceKey: '8' });
    const d = f.differences();
    expect(d).toMatchObject({ missing: 1, extra: 0, changed: 3 });
    expect(d.samples).toEqual([
      { key: '9', kind: 'changed', columns: ['a'] },
      { key: '10', kind: 'changed', columns: ['a'] },
    ]);
    expect(f.room).toBe(0);
  });
});
