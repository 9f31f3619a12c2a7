// The differences of one table as they are found: exact counts of missing, extra and changed rows, the
// rows settled as in flight, and the first --sample-rows of them by key for the report.
import type { DifferenceSample } from '../../model/run-report.js';
import { isStandIn } from '../canonical/long-value.js';

/** A row that differs, as a leaf comparison finds it (before any re-check). */
export interface Candidate {
  kind: 'missing' | 'extra' | 'changed';
  /** The target key (canonical; JSON for a composite key), null when the row has none. */
  key: string | null;
  /** The source row's identity (extract/row-identity.ts), when the row is in the source. */
  sourceKey: string | null;
  /** Tables without a key: where the extra row is in the target. */
  ctid?: string;
  /** Names of source columns whose value cannot be represented. */
  invalidColumns?: string[];
  /** Changed rows that may be sampled: the target row's canonical values, kept to name the changed columns. */
  targetValues?: (string | null)[];
  /** Changed rows: the columns that differ, once known. */
  columns?: string[];
  /** Changed rows: each differing column's canonical value on both sides, once known. */
  values?: ValueDifference[];
}

/** One column of a changed row: the verifier's canonical value of each side (null: SQL NULL). */
export interface ValueDifference {
  column: string;
  source: string | null;
  target: string | null;
  /** Why the source value cannot be represented in the target, when that is the difference. */
  sourceInvalid?: string;
}

/** Values longer than this are cut in the report, their length given: a report is for reading. */
export const SAMPLE_VALUE_CHARS = 120;

/** Cut to SAMPLE_VALUE_CHARS, a NUL written as `\u0000` (the report is stored as jsonb, which refuses NUL). */
function cut(v: string | null): string | null {
  if (v === null) return v;
  const shown =
    v.length <= SAMPLE_VALUE_CHARS
      ? v
      : `${v.slice(0, SAMPLE_VALUE_CHARS)}… (${v.length.toLocaleString('en-US')} characters)`;
  return shown.replace(/\u0000/g, '\\u0000');
}

/** One table's differences: exact counts, the first --sample-rows rows, and what settled. */
export class Findings {
  missing = 0;
  extra = 0;
  changed = 0;
  /** Differences that settled: rows --grace left out on one side only, or equal when read again. */
  inFlight = 0;
  /** Rows read again before being reported, and rows reported without (beyond the re-check limit). */
  rechecked = 0;
  recheckSkipped = 0;
  readonly samples: DifferenceSample[] = [];

  constructor(readonly sampleRows: number) {}

  /** How many more rows the sample list takes. */
  get room(): number {
    return Math.max(0, this.sampleRows - this.samples.length);
  }

  add(c: Candidate): void {
    this[c.kind]++;
    if (this.samples.length >= this.sampleRows) return;
    const key = c.ctid ?? c.key ?? (c.sourceKey !== null ? `source ${c.sourceKey}` : 'NULL');
    const sample: DifferenceSample = { key, kind: c.kind };
    if (c.kind === 'changed') sample.columns = c.columns ?? [];
    if (c.kind === 'changed' && c.values)
      sample.values = c.values.map((v) => ({ ...v, source: cut(v.source), target: cut(v.target) }));
    if (c.sourceKey !== null && c.sourceKey !== key && c.key !== null) sample.sourceKey = c.sourceKey;
    this.samples.push(sample);
  }

  /** The contract's `differences`, samples in key order. */
  differences(): { missing: number; extra: number; changed: number; samples: DifferenceSample[] } {
    const samples = this.samples
      .slice()
      .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }) || a.kind.localeCompare(b.kind));
    return { missing: this.missing, extra: this.extra, changed: this.changed, samples };
  }
}

/**
 * A canonical timestamp (microseconds since 1970 UTC, as digits) as a person reads it:
 * `2024-03-01 10:00:00.500000`; the digits themselves when the date is beyond what Date can print.
 */
export function readableMicros(digits: string): string {
  if (!/^-?\d+$/.test(digits)) return digits;
  const micros = BigInt(digits);
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return digits;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${fraction.toString().padStart(6, '0')}`;
}

/**
 * The differing columns of a changed row with both sides' canonical values (timestamps made readable), for the report.
 */
export function differingValues(
  columns: readonly { name: string; targetType: string }[],
  source: readonly (string | null)[],
  target: readonly (string | null)[],
  invalid: readonly (string | null)[] | null,
): ValueDifference[] {
  return columns.flatMap((c, i) => {
    const why = invalid?.[i] ?? null;
    if (why === null && source[i] === target[i]) return [];
    const show = (v: string | null) => {
      if (v === null) return v;
      // A long value is compared by a stand-in (NUL, its length, its hash): shown as what it is.
      if (isStandIn(v))
        return `(a long value: ${v.slice(1).replace(/^long (\d+):(\w+)$/, (_, n: string, h: string) => `${Number(n).toLocaleString('en-US')} characters, hash ${h.slice(0, 16)}…`)})`;
      return c.targetType === 'timestamp' || c.targetType === 'timestamptz' ? readableMicros(v) : v;
    };
    return [
      {
        column: c.name,
        source: show(source[i]),
        target: show(target[i]),
        ...(why !== null ? { sourceInvalid: why } : {}),
      },
    ];
  });
}
