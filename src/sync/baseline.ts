// Whether a table's sync may trust the ledger's baseline (the fast path: only the segments whose source changed
// are read on both sides), and whether the sync leaves a baseline for the next one. Trust needs the baseline to
// be the newest load's, with the same mapping and the same writers of sqlite2pg's rows, and the target's
// fingerprint unchanged; anything else is a full comparison, with the reason said.
import type pg from 'pg';
import type { TablePlan } from '../model/table-plan.js';
import { firstLevelSize, type FirstLevelSpec } from '../verify/pass/segments.js';
import { SegmentSums } from '../verify/pass/segment-sums.js';
import type { SyncBase } from '../ledger/sync-ledger.js';
import { writerTxids } from '../ledger/sync-ledger.js';
import {
  dropBaseline,
  saveBaseline,
  targetFingerprint,
  type SyncBaseline,
  type TargetFingerprint,
} from '../ledger/sync-baseline.js';
import type { SumsDigest, TableChanges } from './find-changes.js';
import type { SyncCounts } from './sync-counts.js';

/** The fast path's starting point, checked. */
export interface Trusted {
  spec: FirstLevelSpec;
  sums: SegmentSums;
  digest: SumsDigest;
  targetRows: number;
}

/** The baseline's spec when it is one firstLevelSegments can make, with as many segments as it has sums. */
function specOf(b: SyncBaseline): FirstLevelSpec | null {
  const s = b.spec as { kind?: unknown; lo?: unknown; hi?: unknown; parts?: unknown } | null;
  const parts = s?.parts === undefined ? {} : { parts: s.parts as number };
  if (parts.parts !== undefined && !(Number.isInteger(parts.parts) && parts.parts >= 1 && parts.parts <= 2 ** 20))
    return null;
  let spec: FirstLevelSpec | null = null;
  if (s?.kind === 'rows') spec = { kind: 'rows' };
  else if (s?.kind === 'keys') spec = { kind: 'keys', ...parts };
  else if (s?.kind === 'ranges' && typeof s.lo === 'string' && typeof s.hi === 'string')
    spec = /^-?[0-9]+$/.test(s.lo) && /^-?[0-9]+$/.test(s.hi) ? { kind: 'ranges', lo: s.lo, hi: s.hi, ...parts } : null;
  if (!spec) return null;
  const n = firstLevelSize(spec);
  return b.counts.length === n && b.limbs.length === n * 4 ? spec : null;
}

/**
 * In the table's transaction (its snapshot): the baseline to start from, or why the table is compared in full.
 * The fingerprint is one count over the table: anyone else's insert, update (a new xmin) or delete shows.
 */
export async function trustBaseline(
  client: pg.ClientBase,
  plan: TablePlan,
  base: SyncBase,
  baseline: SyncBaseline | undefined,
  mappingHash: string,
): Promise<Trusted | { reason: string }> {
  if (!baseline) return { reason: 'no baseline (the first sync after a migrate, or the last sync left it unsettled)' };
  if (baseline.runId !== base.latest.runId)
    return { reason: 'another run loaded the table after the sync that left the baseline' };
  if (baseline.mappingHash !== mappingHash) return { reason: 'the mapping changed since the baseline' };
  const spec = specOf(baseline);
  if (!spec || (baseline.digest !== 'raw' && baseline.digest !== 'canonical'))
    return { reason: 'the baseline cannot be read' };
  const now = await targetFingerprint(client, plan.target, base.writerTxids);
  const was = baseline.fingerprint;
  if (now.writers !== was.writers) return { reason: "the ledger's writers of the table's rows changed" };
  if (now.rows !== was.rows || now.ownRows !== was.ownRows)
    return {
      reason: `the target changed since the last sync (${now.rows} rows, ${now.ownRows} written by sqlite2pg; then ${was.rows}, ${was.ownRows})`,
    };
  const sums = new SegmentSums(baseline.counts.length, baseline.limbs, baseline.counts);
  return { spec, sums, digest: baseline.digest, targetRows: now.rows };
}

/** Why this sync leaves no baseline for the table, or null when it may (before its fingerprint is taken). */
export function unsettled(found: TableChanges, counts: SyncCounts): string | null {
  if (counts.extraLeft > 0) return 'rows sqlite2pg did not write were left in place';
  if (counts.blocked > 0) return 'deletes a foreign key refused were left';
  // A row --grace left out may change or go later without its segment's sum showing it: compare in full.
  if (found.graceSource > 0 || (found.graceTarget ?? 0) > 0) return 'rows --grace left out';
  if (found.graceTarget === null) return '--grace on the fast path (the target rows it leaves out are not counted)';
  return null;
}

/**
 * In the table's sync transaction, after its writes and its ledger record (so the writers include this
 * transaction): keeps the baseline, or drops the old one and says why none is kept.
 */
export async function keepBaseline(
  client: pg.ClientBase,
  plan: TablePlan,
  run: { runId: string; mappingHash: string },
  found: TableChanges,
  why: string | null,
  sums: () => Promise<{ spec: FirstLevelSpec; sums: SegmentSums; digest: SumsDigest }>,
): Promise<string | null> {
  let fingerprint: TargetFingerprint | null = null;
  if (why === null) {
    const txids = (await writerTxids(client, [plan.targetName])).get(plan.targetName) ?? [];
    fingerprint = await targetFingerprint(client, plan.target, txids);
    // A row of someone else's (even one whose values are right) could change later without the counts showing.
    if (fingerprint.ownRows !== fingerprint.rows)
      why = `${fingerprint.rows - fingerprint.ownRows} target row(s) were not written by sqlite2pg`;
  }
  if (why !== null || fingerprint === null) {
    await dropBaseline(client, plan.targetName);
    return why;
  }
  const kept = await sums();
  await saveBaseline(client, plan.targetName, {
    runId: run.runId,
    mappingHash: run.mappingHash,
    spec: kept.spec,
    digest: kept.digest,
    sourceRows: found.sourceRows,
    limbs: kept.sums.limbs,
    counts: kept.sums.counts,
    fingerprint,
  });
  return null;
}
