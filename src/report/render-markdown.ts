// The Markdown report (for a pull request, a wiki page, a chat message): the table summary, the
// differing rows and structure problems per table, and the recent trend as a small table.
import { tableOk, type RunReport } from '../model/run-report.js';
import { describeProblem, describeSample, verdictOf } from './describe.js';
import { describeFate } from './inventory-report.js';

/** Backslash-escapes what would break a table cell or start Markdown syntax (GFM leaves intraword `_` alone). */
const md = (s: string) => s.replace(/[\\|`*[\]<>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`);

/** The Markdown report of a run. */
export function renderMarkdown(r: RunReport): string {
  const lines = [
    `# sqlite2pg ${r.command}: ${r.status}`,
    '',
    `${verdictOf(r)}. Run \`${r.runId}\`, started ${r.startedAt}, ${(r.durationMs / 1000).toFixed(1)} s${r.target ? `, target ${md(r.target)}` : ''}.`,
  ];
  if (r.grace)
    lines.push(
      '',
      `--grace ${r.grace.seconds}: rows with a timestamp column at or after ${r.grace.cutoff} were left out.`,
    );
  lines.push(
    '',
    '| table | status | source rows | loaded | rejected | target rows | missing | extra | changed | structure |',
    '| --- | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.tables.map(
      (t) =>
        `| ${md(t.target)} | ${tableOk(t) ? '✓' : '✗'} | ${t.sourceRows} | ${t.loadedRows} | ${t.rejectedRows} | ${t.targetRows} | ${t.differences.missing} | ${t.differences.extra} | ${t.differences.changed} | ${t.structure?.length ?? 0} |`,
    ),
    `| **total** | ${r.tables.every(tableOk) ? '✓' : '✗'} | ${r.totals.sourceRows} | ${r.totals.loadedRows} | ${r.totals.rejectedRows} | ${r.totals.targetRows} | | | | |`,
  );
  const bad = r.tables.filter((t) => !tableOk(t));
  if (bad.length) {
    lines.push('', '## Differences');
    for (const t of bad) {
      lines.push('', `### ${md(t.target)}`, '');
      if (t.notCompared) lines.push(`- rows not compared: ${md(t.notCompared)}`);
      for (const p of t.structure ?? []) lines.push(`- structure: ${md(describeProblem(p))}`);
      for (const s of t.differences.samples) lines.push(`- ${md(describeSample(s))}`);
      const total = t.differences.missing + t.differences.extra + t.differences.changed;
      if (total > t.differences.samples.length)
        lines.push(`- … and ${total - t.differences.samples.length} more differing rows`);
    }
  }
  if (r.inventory?.length) {
    lines.push(
      '',
      '## Inventory',
      '',
      'Every object of the source files and what became of it.',
      '',
      '| file | object | on | fate |',
      '| --- | --- | --- | --- |',
    );
    for (const e of r.inventory)
      lines.push(
        `| ${md(e.file)} | ${md(`${e.kind} ${e.name}`)} | ${md(e.table ?? '')} | ${e.fate === 'not accounted for' ? '✗ ' : ''}${md(describeFate(e))} |`,
      );
  }
  if (r.warnings?.length) lines.push('', '## Warnings', '', ...r.warnings.map((w) => `- ${md(w)}`));
  if (r.history?.length) {
    lines.push(
      '',
      '## Trend',
      '',
      '| verified at | command | status | differing rows | tables with differences | duration |',
      '| --- | --- | :---: | ---: | ---: | ---: |',
    );
    for (const p of r.history.slice(-15)) {
      lines.push(
        `| ${p.at} | ${p.command} | ${p.status === 'ok' ? '✓' : '✗'} | ${p.differingRows} | ${p.tablesWithDifferences} of ${p.tables} | ${p.durationMs === null ? '' : `${(p.durationMs / 1000).toFixed(1)} s`} |`,
      );
    }
  }
  if (r.deviations?.length)
    lines.push('', '## Deliberate schema deviations', '', ...r.deviations.map((d) => `- ${md(d)}`));
  return lines.join('\n') + '\n';
}
