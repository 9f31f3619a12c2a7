// A sync's report: per table the contract's fields (what remains different after the sync, in `differences`)
// and what the sync did (`sync`: inserted, updated, deleted, newly rejected, reloaded, unchanged, time),
// and the text a person reads.
import type { RunReport, TableReport } from '../model/run-report.js';
import type { SyncCompare, SyncedTable } from './sync-table.js';
import type { SyncCounts } from './sync-counts.js';

/** A table of a sync's report. */
export interface SyncTableReport extends TableReport {
  sync: SyncCounts;
  /** The fast path (only changed segments read on both sides) or the full comparison, and why. */
  compare: SyncCompare;
}

export function syncTableReport(t: SyncedTable): SyncTableReport {
  const left = t.counts.extraLeft + t.counts.blocked;
  return {
    source: t.plan.sourceName,
    target: t.plan.targetName,
    sourceRows: t.sourceRows,
    loadedRows: t.counts.inserted + t.counts.reloaded + t.counts.updated,
    rejectedRows: t.counts.newlyRejected + t.counts.stillRejected,
    targetRows: t.targetRowsAfter,
    checksum: { source: null, target: null, match: left === 0 },
    // After the sync: the rows it left different on purpose (written by someone else, or a delete still refused).
    differences: { missing: 0, extra: left, changed: 0, samples: [] },
    durationMs: t.durationMs,
    status: left === 0 ? 'match' : 'differences',
    sync: t.counts,
    compare: t.compare,
  };
}

const COLUMNS: [string, (t: SyncTableReport) => string][] = [
  ['table', (t) => t.target],
  ['inserted', (t) => String(t.sync.inserted)],
  ['updated', (t) => String(t.sync.updated)],
  ['deleted', (t) => String(t.sync.deleted)],
  ['newly rejected', (t) => String(t.sync.newlyRejected)],
  ['reloaded', (t) => String(t.sync.reloaded)],
  ['still rejected', (t) => String(t.sync.stillRejected)],
  ['unchanged', (t) => String(t.sync.unchanged)],
  ['left', (t) => String(t.sync.extraLeft + t.sync.blocked + t.sync.inFlight)],
  ['time', (t) => `${(t.durationMs / 1000).toFixed(1)}s`],
];

/** The report as a person reads it: one line per table, then what was left and why. */
export function syncText(report: RunReport): string {
  const tables = report.tables as SyncTableReport[];
  const rows = [COLUMNS.map((c) => c[0]), ...tables.map((t) => COLUMNS.map((c) => c[1](t)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
  const sum = (f: (c: SyncCounts) => number) => tables.reduce((n, t) => n + f(t.sync), 0);
  const extra = sum((c) => c.extraLeft);
  const blocked = sum((c) => c.blocked);
  const inFlight = sum((c) => c.inFlight);
  if (extra > 0)
    lines.push(
      `${extra} target row(s) have no source row and were not written by sqlite2pg: left in place (sqlite2pg verify lists them as extra)`,
    );
  if (blocked > 0) lines.push(`${blocked} delete(s) still refused by a foreign key: left for the next sync`);
  if (inFlight > 0) lines.push(`${inFlight} source row(s) written within --grace: left for the next sync`);
  const fast = tables.filter((t) => t.compare.path === 'fast');
  if (fast.length > 0)
    lines.push(
      `fast path (the ledger's baseline; only segments whose source changed read on both sides): ${fast.map((t) => `${t.target} ${t.compare.segments.read}/${t.compare.segments.total}`).join(', ')}`,
    );
  for (const t of tables.filter((x) => x.compare.path === 'full' && x.compare.reason !== null))
    lines.push(`compared in full: ${t.target}: ${t.compare.reason}`);
  const what = report.dryRun ? 'sync dry run: nothing was changed; this is what a sync would do' : 'sync';
  lines.push(`${what} ${report.status} in ${(report.durationMs / 1000).toFixed(1)}s (run ${report.runId})`);
  return lines.join('\n');
}
