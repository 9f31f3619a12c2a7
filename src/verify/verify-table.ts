// Verifies one table: its structure against the plan, then both sides' canonical rows hashed into
// order-independent checksums in one streaming pass; when they differ, the difference is narrowed down to
// the rows (localise.ts), each differing row read again before it is reported when verify re-checks.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { TablePlan } from '../model/table-plan.js';
import type { RowAccounting, StructureProblem, TableReport } from '../model/run-report.js';
import { qualified, quoteIdent } from '../pg/quote.js';
import { rowidBounds } from '../extract/read-rows.js';
import { checksumPass } from './pass/checksum-pass.js';
import { localise, type Pending } from './narrow/localise.js';
import { firstLevelSegments, type FirstLevelSpec } from './pass/segments.js';
import { Findings } from './narrow/findings.js';
import { checkSequences, checkStructure, type StructureOptions } from './structure/structure-check.js';
import { sourceRowPages, type SourceCounts } from './pass/source-side.js';
import type { TableContext } from './pass/table-context.js';

/** What the verification of one table found. */
export interface TableVerification {
  sourceRows: number;
  rejectedRows: number;
  targetRows: number;
  checksum: { source: string | null; target: string | null; match: boolean };
  differences: { missing: number; extra: number; changed: number; samples: TableReport['differences']['samples'] };
  accounting: RowAccounting;
  /** Null when the structure was not checked. */
  structure: StructureProblem[] | null;
  notCompared: string | null;
  status: 'match' | 'differences';
  durationMs: number;
}

/** Counts the source rows only: the target table cannot be read as the plan expects. */
async function sourceOnly(
  ctx: TableContext,
  why: string,
  problems: StructureProblem[],
  t0: number,
): Promise<TableVerification> {
  const counts: SourceCounts = { rows: 0, rejected: 0 };
  for await (const page of sourceRowPages(ctx.db, ctx.plan, ctx.source, counts)) void page;
  let targetRows = 0;
  const targetMissing = problems.some((p) => p.object === 'table');
  if (!targetMissing) {
    targetRows = Number(
      (await ctx.client.query(`SELECT count(*) AS n FROM ${qualified(ctx.plan.target.schema, ctx.plan.target.table)}`))
        .rows[0].n,
    );
  }
  return {
    sourceRows: counts.rows,
    rejectedRows: counts.rejected,
    targetRows,
    checksum: { source: null, target: null, match: false },
    // A missing table is missing every source row it should hold; missing columns make rows incomparable.
    differences: { missing: targetMissing ? counts.rows - counts.rejected : 0, extra: 0, changed: 0, samples: [] },
    accounting: {
      rejected: counts.rejected,
      policyChanges: 0,
      graceSource: 0,
      graceTarget: 0,
      inFlight: 0,
      rechecked: 0,
      recheckSkipped: 0,
      invalidLoaded: 0,
    },
    structure: problems,
    notCompared: why,
    status: 'differences',
    durationMs: Math.round(performance.now() - t0),
  };
}

/**
 * The first level of segments: for an integer key, its range as the target's index and (when the key is
 * the rowid) SQLite know it, both read in an instant; else hash buckets.
 */
export async function firstLevel(ctx: TableContext): Promise<FirstLevelSpec> {
  if (ctx.keyKind === 'none') return { kind: 'rows' };
  if (ctx.keyKind === 'hashed') return { kind: 'keys' };
  const { plan } = ctx;
  const col = quoteIdent(plan.primaryKey[0]);
  const r = (
    await ctx.client.query(
      `SELECT min(${col})::text AS lo, max(${col})::text AS hi FROM ${qualified(plan.target.schema, plan.target.table)}`,
    )
  ).rows[0];
  const bounds = [
    r.lo === null ? null : ([BigInt(r.lo), BigInt(r.hi)] as [bigint, bigint]),
    ctx.rowidKey ? rowidBounds(ctx.db, plan) : null,
  ].filter((b): b is [bigint, bigint] => b !== null);
  if (bounds.length === 0) return { kind: 'keys' };
  const lo = bounds.map((b) => b[0]).reduce((a, b) => (b < a ? b : a));
  const hi = bounds.map((b) => b[1]).reduce((a, b) => (b > a ? b : a));
  return { kind: 'ranges', lo: String(lo), hi: String(hi) };
}

/** Verifies one table: structure (when asked), the streaming pass, and on a difference the rows. */
export async function verifyTable(ctx: TableContext, structure: StructureOptions | null): Promise<TableVerification> {
  const t0 = performance.now();
  const checked = structure ? await checkStructure(ctx.client, ctx.plan) : null;
  if (checked && !checked.comparable) {
    const missing = checked.problems.find((p) => p.object === 'table')
      ? 'the target table is missing'
      : 'columns are missing from the target table';
    return sourceOnly(ctx, missing, checked.problems, t0);
  }

  const spec = await firstLevel(ctx);
  const { source, target, counts } = await checksumPass(ctx, spec);
  const match = source.acc.equals(target.acc);
  if (checked && structure?.sequences) {
    // After the pass: with --grace it says whether source rows were left out, which the check must know.
    const grace =
      ctx.cutoffMicros === null ? null : { cutoffMicros: ctx.cutoffMicros, sourceLeftOut: source.excluded > 0 };
    checked.problems.push(...(await checkSequences(ctx.client, ctx.plan, grace)));
  }
  const findings = new Findings(ctx.sampleRows);
  if (!match) {
    // The streaming pass kept the first level's checksums: narrowing down starts from the segments that differ.
    const pending: Pending[] = [];
    firstLevelSegments(spec).forEach((seg, i) => {
      if (!source.sums.same(target.sums, i))
        pending.push({ seg, rows: Math.max(source.sums.counts[i], target.sums.counts[i]) });
    });
    await localise(ctx, pending, findings);
  }
  const differences = findings.differences();
  const problems = checked?.problems ?? null;
  const differs =
    differences.missing + differences.extra + differences.changed > 0 ||
    (problems ?? []).some((p) => p.severity !== 'warning');
  let policyChanges = 0;
  for (const m of ctx.source.changes.values()) policyChanges += m.size;
  return {
    sourceRows: counts.rows,
    rejectedRows: counts.rejected,
    targetRows: target.seen,
    checksum: { source: source.acc.digest(), target: target.acc.digest(), match },
    differences,
    accounting: {
      rejected: counts.rejected,
      policyChanges,
      graceSource: source.excluded,
      graceTarget: target.excluded,
      inFlight: findings.inFlight,
      rechecked: findings.rechecked,
      recheckSkipped: findings.recheckSkipped,
      invalidLoaded: source.invalid,
    },
    structure: problems,
    notCompared: null,
    status: differs ? 'differences' : 'match',
    durationMs: Math.round(performance.now() - t0),
  };
}

/**
 * The structure checks of a table whose rows were verified earlier without them (verifyTable with no
 * structure: migrate verifies a table's rows in its load lane, the foreign keys, sequences and views are
 * made later), added to that verification; null when the table cannot be compared after all (the caller
 * then verifies it again whole).
 */
export async function withStructure(
  client: pg.ClientBase,
  plan: TablePlan,
  rows: TableVerification,
  structure: StructureOptions,
): Promise<TableVerification | null> {
  const t0 = performance.now();
  const checked = await checkStructure(client, plan);
  if (!checked.comparable) return null;
  // No --grace in migrate: no source row was left out.
  if (structure.sequences) checked.problems.push(...(await checkSequences(client, plan, null)));
  const d = rows.differences;
  const differs = d.missing + d.extra + d.changed > 0 || checked.problems.some((p) => p.severity !== 'warning');
  return {
    ...rows,
    structure: checked.problems,
    status: differs ? 'differences' : 'match',
    durationMs: rows.durationMs + Math.round(performance.now() - t0),
  };
}

/** The table's verification as the report's table entry (loaded rows filled in by the caller). */
export function verificationReport(
  plan: TablePlan,
  v: TableVerification,
  loadedRows: number,
  durationMs: number,
): TableReport {
  const report: TableReport = {
    source: plan.sourceName,
    target: plan.targetName,
    sourceRows: v.sourceRows,
    loadedRows,
    rejectedRows: v.rejectedRows,
    targetRows: v.targetRows,
    checksum: v.checksum,
    differences: v.differences,
    durationMs,
    status: v.status,
    accounting: v.accounting,
  };
  if (v.accounting.graceSource > 0) report.excludedByGrace = v.accounting.graceSource;
  if (v.structure) report.structure = v.structure;
  if (v.notCompared) report.notCompared = v.notCompared;
  return report;
}
