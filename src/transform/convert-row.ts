// Converts one source row into the target row's fields, applying each column's rule and policy,
// the NOT NULL check, and recording every change a policy makes. Pure: no database here.
import type { ColumnPlan, TablePlan } from '../plan/table-plan.js';
import type { RejectCode } from './conversion.js';
import { TYPE_RULES } from './logical-types.js';
import type { SqliteValue } from './sqlite-value.js';

/** A value a policy changed: recorded in sqlite2pg.changes. */
export interface ValueChange {
  column: string;
  policy: string;
  code: RejectCode | 'empty_as_null';
  reason: string;
  original: SqliteValue;
  /** What was written instead (PostgreSQL text input), null for NULL. */
  written: string | null;
}

export type RowOutcome =
  | { ok: true; fields: (string | null)[]; changes: ValueChange[] | null }
  | { ok: false; column: string | null; code: RejectCode; reason: string };

export type RowConverter = (values: SqliteValue[]) => RowOutcome;

/** A mapping constant as the SQLite value it stands for. */
function constantValue(v: string | number | boolean | null): SqliteValue {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

type ColumnStep = (values: SqliteValue[], changes: ValueChange[]) => { text: string | null } | { code: RejectCode; reason: string };

function columnStep(col: ColumnPlan, defaultText: string | null): ColumnStep {
  const convert = TYPE_RULES[col.targetType].convert;
  const options = { localTimeZone: col.localTimeZone };
  const constant = col.source.kind === 'const' ? constantValue(col.source.value) : undefined;
  const index = col.extractIndex;
  return (values, changes) => {
    let value = constant !== undefined ? constant : values[index];
    if (col.emptyAsNull && value === '') {
      changes.push({ column: col.name, policy: 'emptyAsNull', code: 'empty_as_null', reason: "empty string written as NULL (emptyAsNull)", original: value, written: null });
      value = null;
    }
    const result = convert(value, options);
    let text: string | null;
    if (result.ok) {
      text = result.text;
    } else if (col.policy === 'null' || col.policy === 'default' || (col.policy === 'strip' && result.stripped !== undefined)) {
      text = col.policy === 'null' ? null : col.policy === 'default' ? defaultText : (result.stripped ?? null);
      changes.push({ column: col.name, policy: col.policy, code: result.code, reason: result.reason, original: value, written: text });
    } else {
      return { code: result.code, reason: result.reason };
    }
    if (text === null && !col.nullable) {
      return { code: 'not_null', reason: value === null ? `NULL in NOT NULL column ${col.name}` : `policy "${col.policy}" left NULL in NOT NULL column ${col.name}` };
    }
    return { text };
  };
}

/**
 * Builds the row converter for a table once; `defaults` holds each column's default evaluated once per
 * run (for the `default` policy).
 */
export function makeRowConverter(plan: TablePlan, defaults: ReadonlyMap<string, string | null> = new Map()): RowConverter {
  const steps = plan.columns.map((c) => columnStep(c, defaults.get(c.name) ?? null));
  const names = plan.columns.map((c) => c.name);
  return (values) => {
    const fields = new Array<string | null>(steps.length);
    const changes: ValueChange[] = [];
    for (let i = 0; i < steps.length; i++) {
      const r = steps[i](values, changes);
      if ('code' in r) return { ok: false, column: names[i], code: r.code, reason: r.reason };
      fields[i] = r.text;
    }
    return { ok: true, fields, changes: changes.length ? changes : null };
  };
}
