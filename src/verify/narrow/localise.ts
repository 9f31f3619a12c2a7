// Narrows a table's checksum difference down to the rows, in bounded memory: segments whose checksums
// differ are split (key ranges read through the key's index and the rowid, or hash buckets) and their
// children's checksums compared, level by level, until a segment is small enough to compare row by row.
import type { RowidRange } from '../../extract/read-rows.js';
import { quoteIdent } from '../../pg/quote.js';
import { ChecksumAccumulator } from '../canonical/row-hash.js';
import { canonicalDigest, sourceRowPages, type CanonicalRow } from '../pass/source-side.js';
import { targetRowPages } from '../pass/target-side.js';
import { rangeSpans, segmentLocator, splitSegment, type Segment } from '../pass/segments.js';
import { KeyedLeaf, KeylessLeaf, type LeafCompare } from './leaf-compare.js';
import { Findings } from './findings.js';
import { settle } from './settle.js';
import type { TableContext } from '../pass/table-context.js';

/** A segment with at most this many rows on either side is compared row by row. */
export const LEAF_ROWS = 2000;
/** Rows per child aimed at when a segment is split (so most children are leaves at once). */
const CHILD_ROWS = 500;
const MAX_FANOUT = 4096;
/** Per pass: segments whose checksums are kept, and rows held for row-by-row comparison (memory bounds). */
const MAX_SEGMENTS_PER_PASS = 32_768;
const MAX_LEAF_ROWS_PER_PASS = 50_000;
/** Key ranges one pass reads through the index at most (closest ones merged). */
const MAX_SPANS = 64;

/** A segment whose checksums differ, with the larger side's row count. */
export interface Pending {
  seg: Segment;
  rows: number;
}

interface Pass {
  segments: Segment[];
  /** Per segment: compared row by row (true) or only checksummed (false). */
  leaf: boolean[];
}

/** Groups a level's differing segments into passes within the memory bounds. */
function* passes(pending: readonly Pending[]): Generator<Pass> {
  let pass: Pass = { segments: [], leaf: [] };
  let leafRows = 0;
  // Key ranges of a pass beyond MAX_SPANS are merged with their neighbours, gaps and all: many scattered small
  // ranges (sync's fast path: a few rows around each change) would read most of the table. So a pass holds
  // at most MAX_SPANS differing ranges (each one's children are adjacent: one span).
  let ranges = 0;
  for (const p of pending) {
    const range = p.seg.kind === 'range';
    const parts = Math.min(MAX_FANOUT, Math.max(2, Math.ceil(p.rows / CHILD_ROWS)));
    const children = p.rows > LEAF_ROWS ? splitSegment(p.seg, parts) : null;
    const add = children ?? [p.seg];
    const rows = children ? 0 : p.rows;
    if (
      pass.segments.length > 0 &&
      ((range && ranges >= MAX_SPANS) ||
        pass.segments.length + add.length > MAX_SEGMENTS_PER_PASS ||
        leafRows + rows > MAX_LEAF_ROWS_PER_PASS)
    ) {
      yield pass;
      pass = { segments: [], leaf: [] };
      leafRows = 0;
      ranges = 0;
    }
    if (range) ranges++;
    for (const s of add) {
      pass.segments.push(s);
      pass.leaf.push(children === null);
    }
    leafRows += rows;
  }
  if (pass.segments.length > 0) yield pass;
}

/** Runs one pass over both sides; returns its differing checksummed segments (the next level's work). */
async function runPass(ctx: TableContext, pass: Pass, findings: Findings): Promise<Pending[]> {
  const { plan } = ctx;
  const keyed = ctx.keyKind !== 'none';
  const locate = segmentLocator(pass.segments, keyed);
  // `keep` sees the key first, so the other values of rows outside the pass are never made canonical.
  const keep = keyed ? (key: string | null) => locate(key, '') >= 0 : null;

  const acc = { source: new Map<number, ChecksumAccumulator>(), target: new Map<number, ChecksumAccumulator>() };
  const add = (side: Map<number, ChecksumAccumulator>, seg: number, digest: string) => {
    let a = side.get(seg);
    if (!a) side.set(seg, (a = new ChecksumAccumulator()));
    a.addDigest(digest);
  };
  const leaf: LeafCompare = keyed
    ? new KeyedLeaf(
        plan.columns.map((c) => c.name),
        findings.room,
      )
    : new KeylessLeaf(plan.hasRowid);
  const visit = (side: 'source' | 'target', row: CanonicalRow) => {
    const digest = canonicalDigest(row);
    const seg = locate(row.targetKey, digest);
    if (seg < 0) return;
    const recent = ctx.recent?.(row.values) ?? false;
    if (pass.leaf[seg]) {
      if (side === 'source') leaf.addSource(row, digest, recent);
      else leaf.matchTarget(row, digest, recent);
    } else if (!recent) add(acc[side], seg, digest);
  };

  // Key ranges: read through the target key's index, and by rowid on the source when the key is the rowid.
  const spans = pass.segments.some((s) => s.kind === 'bucket') ? null : rangeSpans(pass.segments, MAX_SPANS);
  const column = keyed ? quoteIdent(plan.primaryKey[0]) : '';
  // Quoted int8 literals: -9223372036854775808 unquoted is a numeric, and a numeric bound forgoes the index.
  const where = spans
    ? spans.map(([lo, hi]) => `${column} BETWEEN '${lo}'::int8 AND '${hi}'::int8`).join(' OR ')
    : 'true';
  const rowidRanges: RowidRange[] | null = spans && ctx.rowidKey ? spans.map(([from, to]) => ({ from, to })) : null;

  for await (const page of sourceRowPages(ctx.db, plan, ctx.source, null, { rowidRanges, keep }))
    for (const row of page) visit('source', row);
  const withCtid = !keyed && pass.leaf.some(Boolean);
  for await (const page of targetRowPages(ctx.client, plan, { where, keep, ctid: withCtid }))
    for (const row of page) visit('target', row);
  leaf.finish();
  findings.inFlight += leaf.inFlight;
  await settle(ctx, leaf.candidates, findings);

  const next: Pending[] = [];
  const empty = new ChecksumAccumulator();
  pass.segments.forEach((seg, i) => {
    if (pass.leaf[i]) return;
    const s = acc.source.get(i) ?? empty;
    const t = acc.target.get(i) ?? empty;
    if (!s.equals(t)) next.push({ seg, rows: Math.max(s.count, t.count) });
  });
  return next;
}

/** Finds the differing rows under the given differing segments (together: the whole table) into `findings`. */
export async function localise(ctx: TableContext, roots: readonly Pending[], findings: Findings): Promise<void> {
  let level = roots.slice();
  while (level.length > 0) {
    // Key order keeps each pass's ranges close together, so its reads stay narrow.
    level.sort((a, b) => (a.seg.kind === 'range' && b.seg.kind === 'range' ? (a.seg.lo < b.seg.lo ? -1 : 1) : 0));
    const next: Pending[] = [];
    for (const pass of passes(level)) next.push(...(await runPass(ctx, pass, findings)));
    level = next;
  }
}
