// Verifies one table: both sides' canonical rows hashed into order-independent checksums; when they
// differ, a second pass by primary key finds the missing, extra and changed rows and which columns differ.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { TablePlan } from '../plan/table-plan.js';
import type { DifferenceSample, TableReport } from '../report/report.js';
import { ChecksumAccumulator, hashRow } from './row-hash.js';
import { sourceCanonicalRows, type CanonicalRow, type SourceCounts, type SourceSideOptions } from './source-side.js';
import { targetCanonicalRows } from './target-side.js';

export interface VerifyTableInput {
  plan: TablePlan;
  db: Database.Database | null;
  client: pg.ClientBase;
  source: SourceSideOptions;
  sampleRows: number;
}

export interface TableVerification {
  sourceRows: number;
  rejectedRows: number;
  excludedRows: number;
  targetRows: number;
  checksum: { source: string; target: string; match: boolean };
  differences: { missing: number; extra: number; changed: number; samples: DifferenceSample[] };
  /** Rows loaded although the verifier finds a value it cannot represent (should have been rejected). */
  invalidLoaded: number;
  durationMs: number;
}

/** A row whose value is unrepresentable hashes with a marker, so it can never match a target row. */
function rowDigest(row: CanonicalRow): Buffer {
  return row.invalid ? hashRow(['\u0000invalid', ...row.values]) : hashRow(row.values);
}

async function checksums(input: VerifyTableInput, counts: SourceCounts) {
  const src = new ChecksumAccumulator();
  let invalidLoaded = 0;
  for await (const row of sourceCanonicalRows(input.db, input.plan, input.source, counts)) {
    if (row.invalid) invalidLoaded++;
    src.add(rowDigest(row));
  }
  const tgt = new ChecksumAccumulator();
  for await (const row of targetCanonicalRows(input.client, input.plan)) tgt.add(rowDigest(row));
  return { src, tgt, invalidLoaded };
}

/** Second pass, only on a mismatch: row hashes by target key on both sides, then the differing keys. */
async function localize(input: VerifyTableInput): Promise<TableVerification['differences']> {
  const { plan } = input;
  const counts: SourceCounts = { rows: 0, rejected: 0, excluded: 0 };
  const source = new Map<string, Buffer>();
  for await (const row of sourceCanonicalRows(input.db, plan, input.source, counts)) source.set(row.targetKey!, rowDigest(row));
  let missing = 0;
  let extra = 0;
  let changed = 0;
  const changedKeys: string[] = [];
  const samples: DifferenceSample[] = [];
  for await (const row of targetCanonicalRows(input.client, plan)) {
    const key = row.targetKey!;
    const expected = source.get(key);
    if (!expected) {
      extra++;
      if (samples.length < input.sampleRows) samples.push({ key, kind: 'extra' });
      continue;
    }
    source.delete(key);
    if (!expected.equals(rowDigest(row))) {
      changed++;
      if (changedKeys.length < input.sampleRows) changedKeys.push(key);
    }
  }
  for (const key of source.keys()) {
    missing++;
    if (samples.length < input.sampleRows) samples.push({ key, kind: 'missing' });
  }
  if (changedKeys.length > 0) samples.push(...(await changedColumns(input, changedKeys)));
  return { missing, extra, changed, samples: samples.slice(0, input.sampleRows) };
}

/** Third pass for the sampled changed keys only: which columns differ. */
async function changedColumns(input: VerifyTableInput, keys: string[]): Promise<DifferenceSample[]> {
  const wanted = new Set(keys);
  const src = new Map<string, CanonicalRow>();
  const counts: SourceCounts = { rows: 0, rejected: 0, excluded: 0 };
  for await (const row of sourceCanonicalRows(input.db, input.plan, input.source, counts)) if (wanted.has(row.targetKey!)) src.set(row.targetKey!, row);
  const out: DifferenceSample[] = [];
  for await (const row of targetCanonicalRows(input.client, input.plan)) {
    const s = src.get(row.targetKey!);
    if (!s) continue;
    const columns = input.plan.columns.filter((_, i) => s.invalid?.[i] || s.values[i] !== row.values[i]).map((c) => c.name);
    out.push({ key: row.targetKey!, kind: 'changed', columns });
  }
  return out;
}

export async function verifyTable(input: VerifyTableInput): Promise<TableVerification> {
  const t0 = performance.now();
  const counts: SourceCounts = { rows: 0, rejected: 0, excluded: 0 };
  const { src, tgt, invalidLoaded } = await checksums(input, counts);
  const match = src.digest() === tgt.digest();
  let differences: TableVerification['differences'] = { missing: 0, extra: 0, changed: 0, samples: [] };
  if (!match) {
    if (input.plan.primaryKey.length > 0) {
      differences = await localize(input);
    } else {
      // Without a key rows cannot be paired: report what the counts show.
      const d = src.count - tgt.count;
      differences = { missing: Math.max(d, 0), extra: Math.max(-d, 0), changed: d === 0 ? 1 : 0, samples: [] };
    }
  }
  return {
    sourceRows: counts.rows,
    rejectedRows: counts.rejected,
    excludedRows: counts.excluded,
    targetRows: tgt.count,
    checksum: { source: src.digest(), target: tgt.digest(), match },
    differences,
    invalidLoaded,
    durationMs: Math.round(performance.now() - t0),
  };
}

/** The table's verification as the report's table entry (loaded rows filled in by the caller). */
export function verificationReport(plan: TablePlan, v: TableVerification, loadedRows: number, durationMs: number): TableReport {
  return {
    source: plan.sourceName,
    target: plan.targetName,
    sourceRows: v.sourceRows,
    loadedRows,
    rejectedRows: v.rejectedRows,
    targetRows: v.targetRows,
    checksum: v.checksum,
    differences: v.differences,
    durationMs,
    excludedByGrace: v.excludedRows || undefined,
  };
}
