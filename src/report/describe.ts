// Sentences every report format shares: a differing row, a structure problem, the run's verdict.
import { tableOk, type DifferenceSample, type RunReport, type StructureProblem } from './report.js';

/** `key 12: changed (content, metadata)`, `key 7: missing (source rowid 9)`, `ctid (0,3): extra`. */
export function describeSample(s: DifferenceSample): string {
  const where = /^(rowid|ctid|source) /.test(s.key) ? s.key : `key ${s.key}`;
  const cols = s.kind === 'changed' && s.columns?.length ? ` (${s.columns.join(', ')})` : '';
  const src = s.sourceKey ? ` [source ${s.sourceKey}]` : '';
  return `${where}: ${s.kind}${cols}${src}`;
}

/** `index idx_a: missing (expected (a))`, `sequence of id: behind (expected …, found …)`. */
export function describeProblem(p: StructureProblem): string {
  const parts = [p.expected !== undefined && `expected ${p.expected}`, p.found !== undefined && `found ${p.found}`].filter(Boolean);
  return `${p.severity === 'warning' ? 'warning: ' : ''}${p.object}: ${p.problem}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The closing sentence of a report. */
export function verdictOf(report: RunReport): string {
  if (report.status === 'ok') return 'OK: every source row is in the target or accounted for as a reject';
  if (report.status === 'differences') {
    return report.tables.every(tableOk) ? 'DIFFERENCES: see the warnings (an object the mapping requires did not arrive)' : 'DIFFERENCES: see the tables marked ✗';
  }
  return `FAILED: ${report.error ?? ''}`;
}
