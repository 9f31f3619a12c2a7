// The closing table a person reads: one line per table, then the totals and the verdict.
import type { RunReport } from './report.js';

function pad(cells: string[][], rightAlign: boolean[]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function summaryTable(report: RunReport): string {
  const header = ['table', 'source rows', 'loaded', 'rejected', 'target rows', 'checksum', 'time'];
  const rows = report.tables.map((t) => [
    t.target,
    n(t.sourceRows),
    n(t.loadedRows),
    n(t.rejectedRows),
    n(t.targetRows),
    t.checksum.match ? '✓' : `✗ ${[t.differences.missing && `${t.differences.missing} missing`, t.differences.extra && `${t.differences.extra} extra`, t.differences.changed && `${t.differences.changed} changed`].filter(Boolean).join(', ')}`,
    secs(t.durationMs),
  ]);
  const tot = report.totals;
  rows.push(['total', n(tot.sourceRows), n(tot.loadedRows), n(tot.rejectedRows), n(tot.targetRows), report.tables.every((t) => t.checksum.match) ? '✓' : '✗', secs(report.durationMs)]);
  const lines = [pad([header, ...rows], [false, true, true, true, true, false, true])];
  for (const t of report.tables) {
    if (t.emptySource) lines.push(`  ${t.target}: empty source — ${t.emptySource}`);
    if (t.keptFromRun) lines.push(`  ${t.target}: kept as loaded by run ${t.keptFromRun} (--mode resume)`);
    if (t.rejectedRows > 0 && t.rejectsByCode && Object.keys(t.rejectsByCode).length > 0) lines.push(`  ${t.target}: rejected ${Object.entries(t.rejectsByCode).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    if (t.changedValues) lines.push(`  ${t.target}: ${t.changedValues} value(s) changed by a mapping policy (sqlite2pg.changes)`);
  }
  for (const w of report.warnings ?? []) lines.push(`  warning: ${w}`);
  const verdict =
    report.status === 'ok' ? 'OK: every source row is in the target or accounted for as a reject' :
    report.status === 'differences' ? 'DIFFERENCES: see the tables marked ✗' : `FAILED: ${report.error ?? ''}`;
  lines.push(`${report.dryRun ? '[dry run: nothing was kept] ' : ''}${verdict} (run ${report.runId})`);
  return lines.join('\n');
}
