// --grace: a row is left out when any of its timestamp columns is at or after the cutoff, on either side.
import { describe, expect, it } from 'vitest';
import { graceCutoffMicros, recentRowTest } from '../../../src/verify/pass/grace.js';
import type { TablePlan } from '../../../src/model/table-plan.js';

const col = (name: string, logical: string) => ({ name, logical }) as TablePlan['columns'][number];
const plan = {
  timestampColumns: ['created_at', 'day', 'note'],
  columns: [col('id', 'int8'), col('created_at', 'timestamp'), col('day', 'date'), col('note', 'text')],
} as unknown as TablePlan;

describe('recentRowTest', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  const cutoff = graceCutoffMicros(now, 60);
  const recent = recentRowTest(plan, cutoff)!;
  const micros = (iso: string) => String(Date.parse(iso) * 1000);

  it('uses the timestamp columns, as canonical microseconds or dates', () => {
    expect(recent(['1', micros('2026-01-01T23:59:30Z'), null, null])).toBe(true);
    expect(recent(['1', micros('2026-01-01T23:58:59Z'), null, null])).toBe(false);
    expect(recent(['1', micros('2026-01-01T23:59:00Z'), null, null])).toBe(true); // at the cutoff
    expect(recent(['1', micros('2030-01-01T00:00:00Z'), null, null])).toBe(true); // in the future
    expect(recent(['1', 'infinity', null, null])).toBe(true);
    expect(recent(['1', '-infinity', null, null])).toBe(false);
    expect(recent(['1', null, '2026-01-02', null])).toBe(true);
    expect(recent(['1', null, '2026-01-01', null])).toBe(false);
    expect(recent(['1', null, null, '2030-01-01'])).toBe(false); // a text column is not a timestamp
  });

  it('is null without --grace or without timestamp columns', () => {
    expect(recentRowTest(plan, null)).toBeNull();
    expect(recentRowTest({ ...plan, timestampColumns: [] } as TablePlan, cutoff)).toBeNull();
  });
});
