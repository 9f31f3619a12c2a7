// Renders a run report in the format asked for: text (the summary table), json, markdown or html.
import type { Format } from '../runtime/config.js';
import type { RunReport } from '../model/run-report.js';
import { summaryTable } from './summary-table.js';
import { renderMarkdown } from './render-markdown.js';
import { renderHtml } from './render-html.js';

/** The report in `format`, ready to print or write to --out. */
export function renderReport(report: RunReport, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'markdown':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    default:
      return summaryTable(report) + '\n';
  }
}
