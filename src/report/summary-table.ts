// The closing table a person reads (the text report): one line per table, then the totals, what each
// table's differences and structure problems are, and the verdict.
import { tableOk, type RunReport, type TableReport } from '../model/run-report.js';
import { describeProblem, describeSample, verdictOf } from './describe.js';
import { describeFate, describeObject } from './inventory-report.js';

function pad(cells: string[][], rightAlign: boolean[]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** ✓, or ✗ with what differs: `✗ 1 missing, 2 changed, structure`. */
function mark(t: TableReport): string {
  if (tableOk(t)) return '✓';
  const d = t.differences;
  const parts = [
    d.missing && `${d.missing} missing`,
    d.extra && `${d.extra} extra`,
    d.changed && `${d.changed} changed`,
    t.structure?.some((p) => p.severity !== 'warning') && 'structure',
    t.notCompared && 'not compared',
  ];
  const what = parts.filter(Boolean).join(', ');
  return what ? `✗ ${what}` : '✗';
}

/** Indented detail lines under the table: differing rows, structure problems, accounting. */
function details(t: TableReport): string[] {
  const out: string[] = [];
  if (t.emptySource) out.push(`  ${t.target}: empty source — ${t.emptySource}`);
  if (t.keptFromRun) out.push(`  ${t.target}: kept as loaded by run ${t.keptFromRun} (--mode resume)`);
  if (t.rejectedRows > 0 && t.rejectsByCode && Object.keys(t.rejectsByCode).length > 0)
    out.push(
      `  ${t.target}: rejected ${Object.entries(t.rejectsByCode)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
  if (t.changedValues)
    out.push(`  ${t.target}: ${t.changedValues} value(s) changed by a mapping policy (sqlite2pg.changes)`);
  if (t.notCompared) out.push(`  ${t.target}: rows not compared: ${t.notCompared}`);
  for (const p of t.structure ?? []) out.push(`  ${t.target}: structure: ${describeProblem(p)}`);
  const d = t.differences;
  const shown = d.samples.length;
  const total = d.missing + d.extra + d.changed;
  for (const s of d.samples) out.push(`  ${t.target}: ${describeSample(s)}`);
  if (total > shown)
    out.push(`  ${t.target}: … and ${n(total - shown)} more differing row(s) (--sample-rows ${shown} shown)`);
  const a = t.accounting;
  if (a) {
    if (a.graceSource || a.graceTarget)
      out.push(
        `  ${t.target}: --grace left out ${n(a.graceSource)} source and ${n(a.graceTarget)} target row(s) written within the window`,
      );
    if (a.inFlight)
      out.push(
        `  ${t.target}: ${n(a.inFlight)} differing row(s) settled as in flight (within --grace on one side, or equal when read again)`,
      );
    if (a.recheckSkipped)
      out.push(
        `  ${t.target}: ${n(a.recheckSkipped)} differing row(s) reported without being read again (re-check limit)`,
      );
    if (a.invalidLoaded)
      out.push(
        `  ${t.target}: ${n(a.invalidLoaded)} loaded row(s) hold a value the data rules reject (counted as changed)`,
      );
  }
  return out;
}

/** The text report: the summary table, the details under it, the verdict. */
export function summaryTable(report: RunReport): string {
  const header = ['table', 'source rows', 'loaded', 'rejected', 'target rows', 'match', 'time'];
  const rows = report.tables.map((t) => [
    t.target,
    n(t.sourceRows),
    n(t.loadedRows),
    n(t.rejectedRows),
    n(t.targetRows),
    mark(t),
    secs(t.durationMs),
  ]);
  const tot = report.totals;
  rows.push([
    'total',
    n(tot.sourceRows),
    n(tot.loadedRows),
    n(tot.rejectedRows),
    n(tot.targetRows),
    report.status === 'ok' ? '✓' : '✗',
    secs(report.durationMs),
  ]);
  const lines = [pad([header, ...rows], [false, true, true, true, true, false, true])];
  for (const t of report.tables) lines.push(...details(t));
  if (report.inventory?.length) {
    lines.push('  inventory (every object of the source files and what became of it):');
    for (const e of report.inventory) lines.push(`    ${describeObject(e)}: ${describeFate(e)}`);
  }
  if (report.grace)
    lines.push(
      `  --grace ${report.grace.seconds}: rows with a timestamp column at or after ${report.grace.cutoff} were left out`,
    );
  for (const w of report.warnings ?? []) lines.push(`  warning: ${w}`);
  if (report.deviations?.length)
    lines.push(
      `  schema: ${report.deviations.length} deliberate deviation(s) from the planned schema, e.g. relaxed constraints (listed in the JSON report and by \`sqlite2pg plan\`)`,
    );
  lines.push(`${report.dryRun ? '[dry run: nothing was kept] ' : ''}${verdictOf(report)} (run ${report.runId})`);
  return lines.join('\n');
}
