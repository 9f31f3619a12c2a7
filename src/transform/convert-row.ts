// Converts one source row into the target row's fields, applying each column's rule and policy,
// the NOT NULL check, and recording every change a policy makes. Pure: no database here.
import type { ColumnPlan, TablePlan } from '../model/table-plan.js';
import type { RejectCode } from './conversion.js';
import { TYPE_RULES } from './logical-types.js';
import type { Field } from './field.js';
import type { SqliteValue } from '../model/sqlite-value.js';

export type { Field } from './field.js';

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
  | { ok: true; fields: Field[]; changes: ValueChange[] | null }
  | { ok: false; column: string | null; code: RejectCode; reason: string };

export type RowConverter = (values: SqliteValue[]) => RowOutcome;

/** A mapping constant as the SQLite value it stands for. */
function constantValue(v: string | number | boolean | null): SqliteValue {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** Why a column's value cannot be written: the row is rejected. */
interface StepFailure {
  code: RejectCode;
  reason: string;
}

/** The value as a Field, or why it cannot be written. No object on success. */
type ColumnStep = (values: SqliteValue[], changes: ValueChange[]) => Field | StepFailure;

const isFailure = (r: Field | StepFailure): r is StepFailure =>
  r !== null && typeof r === 'object' && !(r instanceof Uint8Array);

const INT_RANGE: Partial<Record<ColumnPlan['targetType'], readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** The full step: constants, emptyAsNull, the type's converter, the column's policy, NOT NULL. */
function slowStep(col: ColumnPlan, defaultText: string | null, offset: number): ColumnStep {
  const convert = TYPE_RULES[col.targetType].convert;
  const options = { localTimeZone: col.localTimeZone };
  const constant = col.source.kind === 'const' ? constantValue(col.source.value) : undefined;
  const index = offset + col.extractIndex;
  return (values, changes) => {
    let value = constant !== undefined ? constant : values[index];
    if (col.emptyAsNull && value === '') {
      changes.push({
        column: col.name,
        policy: 'emptyAsNull',
        code: 'empty_as_null',
        reason: 'empty string written as NULL (emptyAsNull)',
        original: value,
        written: null,
      });
      value = null;
    }
    const result = convert(value, options);
    let text: string | null;
    if (result.ok) {
      text = result.text;
    } else if (
      col.policy === 'null' ||
      col.policy === 'default' ||
      (col.policy === 'strip' && result.stripped !== undefined)
    ) {
      text = col.policy === 'null' ? null : col.policy === 'default' ? defaultText : (result.stripped ?? null);
      changes.push({
        column: col.name,
        policy: col.policy,
        code: result.code,
        reason: result.reason,
        original: value,
        written: text,
      });
    } else {
      return { code: result.code, reason: result.reason };
    }
    if (text === null && !col.nullable) {
      return {
        code: 'not_null',
        reason:
          value === null
            ? `NULL in NOT NULL column ${col.name}`
            : `policy "${col.policy}" left NULL in NOT NULL column ${col.name}`,
      };
    }
    return text;
  };
}

/**
 * A column's step: for a value that already has the target's storage class and needs no conversion
 * (TEXT into text, INTEGER into an integer type within range, REAL into double precision, a BLOB into
 * bytea, NULL into a nullable column) the value is passed on as it is (its text is the one the converter would give);
 * everything else (and every constant or emptyAsNull column) goes through {@link slowStep}.
 */
function columnStep(col: ColumnPlan, defaultText: string | null, offset: number): ColumnStep {
  const slow = slowStep(col, defaultText, offset);
  if (col.source.kind === 'const' || col.emptyAsNull) return slow;
  const index = offset + col.extractIndex;
  const nullable = col.nullable;
  const range = INT_RANGE[col.targetType];
  if (col.targetType === 'text') {
    return (values, changes) => {
      const v = values[index];
      if (typeof v === 'string' && (v as unknown as WellFormed).isWellFormed() && !v.includes('\u0000')) return v;
      if (v === null && nullable) return null;
      return slow(values, changes);
    };
  }
  if (range) {
    const [min, max] = range;
    return (values, changes) => {
      const v = values[index];
      if (typeof v === 'bigint' && v >= min && v <= max) return v;
      if (v === null && nullable) return null;
      return slow(values, changes);
    };
  }
  if (col.targetType === 'bytea') {
    return (values, changes) => {
      const v = values[index];
      if (Buffer.isBuffer(v)) return v;
      if (v === null && nullable) return null;
      return slow(values, changes);
    };
  }
  if (col.targetType === 'double precision') {
    return (values, changes) => {
      const v = values[index];
      if (typeof v === 'number') return v;
      if (v === null && nullable) return null;
      return slow(values, changes);
    };
  }
  return (values, changes) => (values[index] === null && nullable ? null : slow(values, changes));
}

/** String.prototype.isWellFormed (ES2024; Node 20 has it, the compiler's lib may not). */
interface WellFormed {
  isWellFormed(): boolean;
}

/**
 * Builds the row converter for a table once; `defaults` holds each column's default evaluated once per
 * run (for the `default` policy). `offset`: where the plan's values start in the array the converter is
 * given (the raw rows of readRawPages hold the key columns first).
 */
export function makeRowConverter(
  plan: TablePlan,
  defaults: ReadonlyMap<string, string | null> = new Map(),
  offset = 0,
): RowConverter {
  const steps = plan.columns.map((c) => columnStep(c, defaults.get(c.name) ?? null, offset));
  const names = plan.columns.map((c) => c.name);
  // One array for the changes of every row: most rows have none, and a fresh array each would be garbage.
  let changes: ValueChange[] = [];
  return (values) => {
    const fields = new Array<Field>(steps.length);
    for (let i = 0; i < steps.length; i++) {
      const r = steps[i](values, changes);
      if (isFailure(r)) {
        if (changes.length) changes = [];
        return { ok: false, column: names[i], code: r.code, reason: r.reason };
      }
      fields[i] = r;
    }
    if (changes.length === 0) return { ok: true, fields, changes: null };
    const out = changes;
    changes = [];
    return { ok: true, fields, changes: out };
  };
}
