// The PostgreSQL side of verification: the rows as the server returns them (COPY … TO STDOUT, text format,
// in the session settings of pg/target.ts), in the verifier's canonical form, a chunk at a time.
import type pg from 'pg';
import { copyOut, CopyLines } from '../../pg/copy-out.js';
import type { TablePlan } from '../../model/table-plan.js';
import { qualified, quoteIdent } from '../../pg/quote.js';
import { canonicalFromCopyField } from '../canonical/canonical-pg.js';
import { copySpanReader, copyTypedReader } from '../canonical/copy-span.js';
import { typedOut, type DigestKinds } from '../canonical/typed-value.js';
import { longLineReader } from './long-line.js';
import { keyIndexes, planKinds, targetKeyOf, type CanonicalRow } from './source-side.js';

/** The table's COPY output as lines, a line too long to hold read as it arrives (long-line.ts). */
export function targetCopyLines(plan: TablePlan): CopyLines {
  return new CopyLines(longLineReader(plan.columns.map((c) => c.logical)));
}

/** Turns COPY lines of one table's columns (plus a trailing ctid when asked) into canonical rows. */
export function targetRowReader(plan: TablePlan, withCtid = false) {
  const keyIdx = keyIndexes(plan);
  const logical = plan.columns.map((c) => c.logical);
  const n = logical.length;
  const isKey = logical.map((_, i) => keyIdx.includes(i));
  const kinds = planKinds(plan);
  /** The canonical row, or null when `keep` says no after seeing the key. */
  return function read(line: string, keep: ((key: string | null) => boolean) | null): CanonicalRow | null {
    // Fields are unescaped one by one, so a row `keep` turns down costs only its key's.
    const fields = line.split('\t');
    const values: (string | null)[] = new Array(n);
    if (keep) {
      for (const i of keyIdx) values[i] = canonicalFromCopyField(logical[i], fields[i]);
      if (!keep(targetKeyOf(values, keyIdx))) return null;
      for (let i = 0; i < n; i++) if (!isKey[i]) values[i] = canonicalFromCopyField(logical[i], fields[i]);
    } else {
      for (let i = 0; i < n; i++) values[i] = canonicalFromCopyField(logical[i], fields[i]);
    }
    const row: CanonicalRow = {
      sourceKey: null,
      targetKey: targetKeyOf(values, keyIdx),
      values,
      invalid: null,
      kinds,
    };
    if (withCtid) row.ctid = `ctid ${fields[n]}`;
    return row;
  };
}

/** Where the streaming pass puts canonical rows: a SideTally. */
interface RowTally {
  /** The --grace test, when there is one: it reads every value, so rows then go through add(). */
  readonly recent?: unknown;
  add(row: CanonicalRow): void;
  /** A row whose values `undefined` are nums[i] or the text of line[starts[i], ends[i]) (digestRowInto). */
  addSpans?(
    line: string,
    starts: Int32Array,
    ends: Int32Array,
    values: readonly (string | null | undefined)[],
    targetKey: string | null,
    kinds: DigestKinds,
    nums: Float64Array,
  ): void;
}

/**
 * The streaming pass's target side: COPY lines of one table's columns, in canonical form, handed to a
 * tally. Hot: one values array and one row object serve every line (a tally keeps neither), a field
 * that is its own canonical form is hashed where it lies in its line, never sliced out of it, and a
 * timestamp or double is read as its number where it lies (the digest hashes those by type).
 */
export function targetLineTallier(plan: TablePlan): (lines: readonly string[], tally: RowTally) => void {
  const keyIdx = keyIndexes(plan);
  const kinds = planKinds(plan);
  const textReaders = plan.columns.map((c) => copySpanReader(c.logical));
  // Key columns keep their text: the row's key is made from it.
  const typedReaders = plan.columns.map((c, i) =>
    kinds !== null && kinds[i] !== 0 && !keyIdx.includes(i) ? copyTypedReader(kinds[i], c.logical) : textReaders[i],
  );
  const typed = typedReaders.map((r, i) => r !== textReaders[i]);
  const n = textReaders.length;
  const values: (string | null | undefined)[] = new Array(n);
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const nums = new Float64Array(n);
  const row: CanonicalRow = {
    sourceKey: null,
    targetKey: null,
    values: values as (string | null)[],
    invalid: null,
    kinds,
  };
  return (lines, tally) => {
    const spans = tally.addSpans !== undefined && !tally.recent;
    const readers = spans ? typedReaders : textReaders;
    for (const line of lines) {
      // Field by field with indexOf rather than split('\t'): no array per line. `escape`: the next backslash.
      let escape = line.indexOf('\\');
      if (escape < 0) escape = line.length;
      let at = 0;
      for (let i = 0; i < n; i++) {
        let end = line.indexOf('\t', at);
        if (end < 0) end = line.length;
        if (escape < at) {
          escape = line.indexOf('\\', at);
          if (escape < 0) escape = line.length;
        }
        const v = readers[i](line, at, end, escape < end);
        starts[i] = at;
        ends[i] = end;
        if (v === undefined && spans && typed[i]) nums[i] = typedOut[0];
        values[i] = v === undefined && !spans ? line.slice(at, end) : v;
        at = end + 1;
      }
      if (spans) {
        let key: string | null = null;
        if (keyIdx.length > 0) {
          for (const k of keyIdx) if (values[k] === undefined) values[k] = line.slice(starts[k], ends[k]);
          key = targetKeyOf(values as (string | null)[], keyIdx);
        }
        tally.addSpans!(line, starts, ends, values, key, kinds, nums);
      } else {
        row.targetKey = targetKeyOf(values as (string | null)[], keyIdx);
        tally.add(row);
      }
    }
  };
}

/** `COPY (SELECT <the plan's columns> FROM <table> WHERE …) TO STDOUT`. */
export function copyOutSql(plan: TablePlan, where = 'true', withCtid = false): string {
  const cols = plan.columns.map((c) => quoteIdent(c.name));
  if (withCtid) cols.push('ctid');
  return `COPY (SELECT ${cols.join(', ')} FROM ${qualified(plan.target.schema, plan.target.table)} WHERE ${where}) TO STDOUT`;
}

/** What a target scan reads. */
export interface TargetScan {
  /** SQL condition narrowing the rows read (e.g. a key range), a superset of what `keep` keeps. */
  where?: string;
  /** Called with each row's target key before its other values are made canonical; false skips the row. */
  keep?: ((key: string | null) => boolean) | null;
  /** Also read each row's ctid (tables without a key: it is how a person finds an extra row). */
  ctid?: boolean;
}

/** Streams the target's canonical rows, one page per chunk of COPY output. */
export async function* targetRowPages(
  client: pg.ClientBase,
  plan: TablePlan,
  scan: TargetScan = {},
): AsyncGenerator<CanonicalRow[]> {
  const read = targetRowReader(plan, scan.ctid ?? false);
  const keep = scan.keep ?? null;
  const lines = targetCopyLines(plan);
  const toRows = (ls: string[]) => {
    const out: CanonicalRow[] = [];
    for (const l of ls) {
      const r = read(l, keep);
      if (r) out.push(r);
    }
    return out;
  };
  for await (const chunk of client.query(copyOut(copyOutSql(plan, scan.where, scan.ctid))))
    yield toRows(lines.push(chunk as Buffer));
  yield toRows(lines.end());
}
