// Renders a run report in the format asked for: text (the summary table), json, markdown or html.
import type { Format } from '../config.js';
import type { RunReport } from './report.js';
import { summaryTable } from './summary-table.js';

function markdown(r: RunReport): string {
  const lines = [
    `# sqlite2pg ${r.command}: ${r.status}`,
    '',
    `Run \`${r.runId}\`, started ${r.startedAt}, ${(r.durationMs / 1000).toFixed(1)} s${r.target ? `, target ${r.target}` : ''}.`,
    '',
    '| table | source rows | loaded | rejected | target rows | checksum | missing | extra | changed |',
    '| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |',
    ...r.tables.map((t) => `| ${t.target} | ${t.sourceRows} | ${t.loadedRows} | ${t.rejectedRows} | ${t.targetRows} | ${t.checksum.match ? '✓' : '✗'} | ${t.differences.missing} | ${t.differences.extra} | ${t.differences.changed} |`),
    `| **total** | ${r.totals.sourceRows} | ${r.totals.loadedRows} | ${r.totals.rejectedRows} | ${r.totals.targetRows} | ${r.tables.every((t) => t.checksum.match) ? '✓' : '✗'} | | | |`,
  ];
  const diffs = r.tables.filter((t) => t.differences.samples.length > 0);
  if (diffs.length) {
    lines.push('', '## Differing rows');
    for (const t of diffs) {
      lines.push('', `### ${t.target}`, '');
      for (const s of t.differences.samples) lines.push(`- key \`${s.key}\`: ${s.kind}${s.columns?.length ? ` (${s.columns.join(', ')})` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(r: RunReport): string {
  const rows = r.tables
    .map((t) => `<tr class="${t.checksum.match ? 'ok' : 'bad'}"><td>${esc(t.target)}</td><td>${t.sourceRows}</td><td>${t.loadedRows}</td><td>${t.rejectedRows}</td><td>${t.targetRows}</td><td>${t.checksum.match ? '✓' : '✗'}</td><td>${t.differences.missing}</td><td>${t.differences.extra}</td><td>${t.differences.changed}</td></tr>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>sqlite2pg ${esc(r.command)} ${esc(r.status)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}tr.bad{background:#fdd}</style></head>
<body><h1>sqlite2pg ${esc(r.command)}: ${esc(r.status)}</h1><p>Run ${esc(r.runId)}, ${esc(r.startedAt)}</p>
<table><tr><th>table</th><th>source rows</th><th>loaded</th><th>rejected</th><th>target rows</th><th>checksum</th><th>missing</th><th>extra</th><th>changed</th></tr>
${rows}</table></body></html>\n`;
}

export function renderReport(report: RunReport, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'markdown':
      return markdown(report);
    case 'html':
      return html(report);
    default:
      return summaryTable(report) + '\n';
  }
}
