// Sentences every report format shares: a differing row, a structure problem, the run's verdict.
import { tableOk, type DifferenceSample, type RunReport, type StructureProblem } from '../model/run-report.js';
import { unaccounted } from '../model/inventory-entry.js';

/** A canonical value as a report shows it: quoted, NULL bare. */
export function shown(v: string | null): string {
  return v === null ? 'NULL' : JSON.stringify(v);
}

/** `key 12: changed: content "a" → "b"; score "1.5" → "2"`, `key 7: missing (source rowid 9)`, `ctid (0,3): extra`. */
export function describeSample(s: DifferenceSample): string {
  const where = /^(rowid|ctid|source) /.test(s.key) ? s.key : `key ${s.key}`;
  const cols =
    s.kind === 'changed' && s.values?.length
      ? `: ${s.values.map((v) => `${v.column} ${shown(v.source)}${v.sourceInvalid ? ` (${v.sourceInvalid})` : ''} → ${shown(v.target)}`).join('; ')}`
      : s.kind === 'changed' && s.columns?.length
        ? ` (${s.columns.join(', ')})`
        : '';
  const src = s.sourceKey ? ` [source ${s.sourceKey}]` : '';
  return `${where}: ${s.kind}${cols}${src}`;
}

/** `index idx_a: missing (expected (a))`, `sequence of id: behind (expected …, found …)`. */
export function describeProblem(p: StructureProblem): string {
  const parts = [
    p.expected !== undefined && `expected ${p.expected}`,
    p.found !== undefined && `found ${p.found}`,
  ].filter(Boolean);
  return `${p.severity === 'warning' ? 'warning: ' : ''}${p.object}: ${p.problem}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The closing sentence of a report. */
export function verdictOf(report: RunReport): string {
  if (report.status === 'ok') {
    // A shadow table's rows are its virtual table's: not counted twice.
    const excluded = (report.inventory ?? []).filter(
      (e) => e.fate === 'excluded' && e.kind !== 'shadow table' && (e.rows ?? 0) > 0,
    );
    if (excluded.length === 0) return 'OK: every source row is in the target or accounted for as a reject';
    const rows = excluded.reduce((a, e) => a + (e.rows ?? 0), 0).toLocaleString('en-US');
    return `OK: every source row is in the target, accounted for as a reject, or in a table the mapping excludes (${excluded.length} table${excluded.length > 1 ? 's' : ''}, ${rows} rows)`;
  }
  if (report.status === 'differences') {
    const lost = unaccounted(report.inventory).map(
      (e) =>
        `${e.file}:${e.name} (${e.rows === null || e.rows === undefined ? 'rows not counted' : `${e.rows.toLocaleString('en-US')} rows`})`,
    );
    const tables = report.tables.some((t) => !tableOk(t));
    const parts = [
      tables && 'see the tables marked ✗',
      lost.length && `source table${lost.length > 1 ? 's' : ''} neither mapped nor excluded: ${lost.join(', ')}`,
    ].filter(Boolean);
    // Neither: an object the mapping requires (a view) did not arrive, which the warnings name.
    return `DIFFERENCES: ${parts.join('; ') || 'see the warnings (an object the mapping requires did not arrive)'}`;
  }
  return `FAILED: ${report.error ?? ''}`;
}
