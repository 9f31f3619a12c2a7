// The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) a person opens
// in a browser — status per table, counts, the differing rows and structure problems, and the trend.
import { tableOk, type RunReport, type TableReport } from '../model/run-report.js';
import { describeProblem, verdictOf } from './describe.js';
import { trendChart } from './trend-chart.js';
import { describeFate } from './inventory-report.js';
import type { InventoryEntry } from '../model/run-report.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const n = (x: number) => x.toLocaleString('en-US');

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1 .badge{font-size:.6em;padding:.2em .6em;border-radius:.3em;color:#fff;vertical-align:middle}
.ok-bg{background:#2e7d32}.bad-bg{background:#c62828}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child,td.l{text-align:left}tr.bad td:first-child{border-left:4px solid #c62828}tr.ok td:first-child{border-left:4px solid #2e7d32}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 .2em}.muted{color:#777}section.table{margin-bottom:2em}`;

function tableRow(t: TableReport): string {
  const ok = tableOk(t);
  const a = t.accounting;
  const cells = [
    `<td><a href="#t-${esc(t.target)}">${esc(t.target)}</a></td>`,
    `<td class="l">${ok ? '✓ match' : '✗ differences'}</td>`,
    ...[
      t.sourceRows,
      t.loadedRows,
      t.rejectedRows,
      t.targetRows,
      a ? a.graceSource + a.graceTarget : 0,
      a?.inFlight ?? 0,
      t.differences.missing,
      t.differences.extra,
      t.differences.changed,
      t.structure?.length ?? 0,
    ].map((x) => `<td>${n(x)}</td>`),
    `<td>${(t.durationMs / 1000).toFixed(1)} s</td>`,
  ];
  return `<tr class="${ok ? 'ok' : 'bad'}">${cells.join('')}</tr>`;
}

/** One row per changed column (source and target value side by side); one row for a missing or extra row. */
function sampleRows(s: TableReport['differences']['samples'][number]): string[] {
  const head = (span: number) =>
    `<td rowspan="${span}"><code>${esc(s.key)}</code></td><td class="l" rowspan="${span}">${s.kind}</td>`;
  const tail = (span: number) => `<td class="l" rowspan="${span}">${esc(s.sourceKey ?? '')}</td>`;
  const value = (v: string | null, note?: string) =>
    `<td class="l">${v === null ? '<span class="muted">NULL</span>' : `<code>${esc(v)}</code>`}${note ? ` <span class="muted">(${esc(note)})</span>` : ''}</td>`;
  const values = s.values ?? [];
  if (values.length === 0)
    return [`<tr>${head(1)}<td class="l">${esc(s.columns?.join(', ') ?? '')}</td><td></td><td></td>${tail(1)}</tr>`];
  return values.map(
    (v, i) =>
      `<tr>${i === 0 ? head(values.length) : ''}<td class="l">${esc(v.column)}</td>${value(v.source, v.sourceInvalid)}${value(v.target)}${i === 0 ? tail(values.length) : ''}</tr>`,
  );
}

function tableSection(t: TableReport): string {
  const out = [
    `<section class="table" id="t-${esc(t.target)}"><h3>${esc(t.target)} <span class="muted">from ${esc(t.source)}</span></h3>`,
  ];
  out.push(
    `<p>Checksums: source <code>${esc(t.checksum.source ?? '—')}</code>, target <code>${esc(t.checksum.target ?? '—')}</code> ${t.checksum.match ? '(equal)' : '(different)'}.</p>`,
  );
  if (t.notCompared) out.push(`<p>Rows not compared: ${esc(t.notCompared)}.</p>`);
  const a = t.accounting;
  if (a) {
    out.push(
      `<p>Accounted for: ${n(a.rejected)} rejected by the load (sqlite2pg.rejects), ${n(a.policyChanges)} values changed by a mapping policy (sqlite2pg.changes), ${n(a.graceSource)} source and ${n(a.graceTarget)} target rows left out by --grace, ${n(a.inFlight)} differing rows settled as in flight; ${n(a.rechecked)} rows read again before being reported${a.recheckSkipped ? `, ${n(a.recheckSkipped)} reported without (re-check limit)` : ''}.</p>`,
    );
  }
  if (t.structure?.length) {
    out.push('<h4>Structure</h4><ul>', ...t.structure.map((p) => `<li>${esc(describeProblem(p))}</li>`), '</ul>');
  }
  const d = t.differences;
  if (d.samples.length) {
    const total = d.missing + d.extra + d.changed;
    out.push(
      `<h4>Differing rows${total > d.samples.length ? ` (${n(d.samples.length)} of ${n(total)} shown)` : ''}</h4>`,
    );
    out.push(
      '<table><tr><th>key</th><th>difference</th><th>column</th><th>source value</th><th>target value</th><th>source row</th></tr>',
    );
    for (const s of d.samples) out.push(...sampleRows(s));
    out.push('</table>');
  }
  out.push('</section>');
  return out.join('\n');
}

function inventorySection(inventory: readonly InventoryEntry[] | undefined): string {
  if (!inventory?.length) return '';
  const rows = inventory.map((e) => {
    const mark = e.fate === 'not accounted for' ? 'bad' : e.fate === 'loaded' || e.fate === 'created' ? 'ok' : '';
    return `<tr class="${mark}"><td class="l">${esc(e.file)}</td><td class="l">${esc(e.kind)} ${esc(e.name)}</td><td class="l">${esc(e.table ?? '')}</td><td class="l">${esc(e.fate)}</td><td class="l">${esc(describeFate(e))}</td></tr>`;
  });
  return `<h2>Inventory</h2>\n<p>Every object of the source files and what became of it.</p>\n<table>\n<tr><th>file</th><th>object</th><th>on</th><th>fate</th><th>detail</th></tr>\n${rows.join('\n')}\n</table>`;
}

/** The HTML report of a run (its `history`, when present, drawn as the trend). */
export function renderHtml(r: RunReport): string {
  const ok = r.status === 'ok';
  const chart = r.history ? trendChart(r.history) : null;
  const problems = r.tables.filter((t) => !tableOk(t));
  const tot = r.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sqlite2pg ${esc(r.command)}: ${esc(r.status)}</title>
<style>${CSS}</style></head>
<body>
<h1>sqlite2pg ${esc(r.command)} <span class="badge ${ok ? 'ok-bg' : 'bad-bg'}">${esc(r.status)}</span></h1>
<p>${esc(verdictOf(r))}.<br>Run <code>${esc(r.runId)}</code>, started ${esc(r.startedAt)}, ${(r.durationMs / 1000).toFixed(1)} s${r.target ? `, target <code>${esc(r.target)}</code>` : ''}.${r.grace ? `<br>--grace ${r.grace.seconds}: rows with a timestamp column at or after ${esc(r.grace.cutoff)} were left out.` : ''}</p>
<h2>Tables</h2>
<table>
<tr><th>table</th><th>status</th><th>source rows</th><th>loaded</th><th>rejected</th><th>target rows</th><th>left out (grace)</th><th>in flight</th><th>missing</th><th>extra</th><th>changed</th><th>structure problems</th><th>time</th></tr>
${r.tables.map(tableRow).join('\n')}
<tr><th>total</th><th class="l">${ok ? '✓' : '✗'}</th><th>${n(tot.sourceRows)}</th><th>${n(tot.loadedRows)}</th><th>${n(tot.rejectedRows)}</th><th>${n(tot.targetRows)}</th><th colspan="7"></th></tr>
</table>
${inventorySection(r.inventory)}
<h2>Trend</h2>
${chart ?? '<p class="muted">No past verifications recorded in sqlite2pg.verifications yet.</p>'}
${chart ? `<p class="muted">The last ${r.history!.length} verifications of this target (verify runs and migrate's closing verification): bars are differing rows (log scale; green: match, red: differences), the line is the duration.</p>` : ''}
<h2>Details</h2>
${problems.length ? problems.map(tableSection).join('\n') : '<p>Every table matches.</p>'}
${(r.warnings ?? []).map((w) => `<p class="muted">warning: ${esc(w)}</p>`).join('\n')}
${r.deviations?.length ? `<h2>Deliberate schema deviations</h2>\n<ul>${r.deviations.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
