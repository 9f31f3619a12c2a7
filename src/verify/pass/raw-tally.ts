// Sums of a table's source rows as SQLite holds them (no canonical form), over the first-level segments of
// the row's canonical target key: what sync's baseline keeps. They only ever compare the source with itself
// (did a segment change since the last sync?), so the values need no conversion — only the key, to route the
// row to the segment localise reads on both sides. Tables without a key route by the canonical row's digest:
// not here (null).
import type Database from 'better-sqlite3';
import type { TablePlan } from '../../model/table-plan.js';
import { rawKeyWidth, readRawPages, STREAM_PAGE_ROWS } from '../../extract/read-rows.js';
import { InvalidUtf8Text, type SqliteValue } from '../../model/sqlite-value.js';
import { ChecksumAccumulator, digestRowInto, digestWords } from '../canonical/row-hash.js';
import { canonicalFiller, keyIndexes, targetKeyOf, yieldToEventLoop, type SourceCounts } from './source-side.js';
import { firstLevelSegments, firstLevelSize, segmentLocatorByWord, type FirstLevelSpec } from './segments.js';
import { SegmentSums } from './segment-sums.js';
import type { TallyState } from './side-tally.js';
import { recentRowTest } from './grace.js';

const NO_CHANGES = { rejected: new Set<string>(), changes: new Map<string, ReadonlyMap<string, string | null>>() };

/** A raw value as text, and its type's code (so that the text '1' and the integer 1 differ). */
function rawText(v: SqliteValue, out: (string | null)[], j: number): number {
  if (v === null) {
    out[j] = null;
    return 1;
  }
  if (typeof v === 'string') {
    out[j] = v;
    return 2;
  }
  if (typeof v === 'bigint') {
    out[j] = v.toString();
    return 3;
  }
  if (typeof v === 'number') {
    out[j] = Object.is(v, -0) ? '-0' : String(v); // the shortest text that reads back as the same double
    return 4;
  }
  if (v instanceof InvalidUtf8Text) {
    out[j] = v.bytes.toString('latin1');
    return 5;
  }
  out[j] = v.toString('latin1');
  return 6;
}

/** rawSourceTally where the file's snapshot is (its source worker). */
export type RawTallier = (
  plan: TablePlan,
  spec: FirstLevelSpec,
  cutoffMicros: number | null,
) => Promise<{ state: TallyState; counts: SourceCounts } | null>;

/**
 * The raw sums of the table's rows over `spec`'s segments; null for a table without a key. Every row is
 * summed; with --grace, the rows its test finds recent are also counted (`excluded`), as the canonical tally
 * counts those it leaves out.
 */
export async function rawSourceTally(
  db: Database.Database | null,
  plan: TablePlan,
  spec: FirstLevelSpec,
  cutoffMicros: number | null,
): Promise<{ state: TallyState; counts: SourceCounts } | null> {
  const keyIdx = keyIndexes(plan);
  if (keyIdx.length === 0 || spec.kind === 'rows') return null;
  const fill = canonicalFiller(plan, NO_CHANGES);
  const width = rawKeyWidth(plan);
  const values: (string | null)[] = new Array(plan.columns.length).fill(null);
  const locate = segmentLocatorByWord(firstLevelSegments(spec), true);
  const sums = new SegmentSums(firstLevelSize(spec));
  const acc = new ChecksumAccumulator();
  const counts: SourceCounts = { rows: 0, rejected: 0 };
  const recent = recentRowTest(plan, cutoffMicros);
  const timed = recent ? plan.columns.flatMap((c, i) => (plan.timestampColumns.includes(c.name) ? [i] : [])) : [];
  let excluded = 0;
  let texts: (string | null)[] = [];
  for (const page of readRawPages(db, plan, STREAM_PAGE_ROWS)) {
    for (const raw of page) {
      counts.rows++;
      for (const i of keyIdx) fill(i, raw, width, undefined, values, null);
      if (recent) {
        for (const i of timed) fill(i, raw, width, undefined, values, null);
        if (recent(values)) excluded++;
      }
      if (texts.length !== raw.length + 1) texts = new Array(raw.length + 1);
      let types = 0;
      for (let j = 0; j < raw.length; j++) types = (Math.imul(types, 7) + rawText(raw[j], texts, j)) | 0;
      texts[raw.length] = String(types);
      digestRowInto(texts, false);
      const a0 = digestWords[0] >>> 0;
      const a1 = digestWords[1] >>> 0;
      const a2 = digestWords[2] >>> 0;
      const a3 = digestWords[3] >>> 0;
      acc.addWords(a0, a1, a2, a3);
      sums.addWords(locate(targetKeyOf(values, keyIdx), a0), a0, a1, a2, a3);
    }
    await yieldToEventLoop(); // other jobs of the worker get a turn
  }
  const state: TallyState = {
    seen: counts.rows,
    excluded,
    invalid: 0,
    acc: acc.state(),
    limbs: sums.limbs,
    counts: sums.counts,
  };
  return { state, counts };
}
