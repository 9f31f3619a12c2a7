// The HTML report's trend over past verifications as one inline SVG (no script, no network): a bar per
// verification — its differing rows on a log scale, green when it matched, red when not — and a line for
// how long it took.
import type { HistoryPoint } from '../model/run-report.js';

const W = 760;
const H = 240;
const M = { left: 56, right: 56, top: 16, bottom: 40 };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** log10(1 + n): 0 stays 0, and 1, 10, 1000 differing rows stay apart. */
const logScale = (n: number) => Math.log10(1 + n);

function durationLabel(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
}

/** The chart, or null when there is nothing to draw. */
export function trendChart(points: readonly HistoryPoint[]): string | null {
  if (points.length === 0) return null;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const maxDiff = Math.max(1, ...points.map((p) => p.differingRows));
  const top = Math.ceil(logScale(maxDiff));
  const y = (n: number) => M.top + plotH - (logScale(n) / top) * plotH;
  const maxMs = Math.max(1, ...points.map((p) => p.durationMs ?? 0));
  const yMs = (ms: number) => M.top + plotH - (ms / maxMs) * plotH;
  const x = (i: number) => M.left + slot * i + slot / 2;

  const parts: string[] = [];
  // Left axis: differing rows, 0, 9, 99, … (powers of ten on the 1 + n scale).
  for (let k = 0; k <= top; k++) {
    const n = 10 ** k - 1;
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${M.left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n.toLocaleString('en-US')}</text>`,
    );
  }
  parts.push(
    `<text x="14" y="${M.top + plotH / 2}" transform="rotate(-90 14 ${M.top + plotH / 2})" text-anchor="middle">differing rows</text>`,
  );
  parts.push(`<text x="${W - M.right + 6}" y="${M.top + 4}">${esc(durationLabel(maxMs))}</text>`);
  parts.push(
    `<text x="${W - 14}" y="${M.top + plotH / 2}" transform="rotate(90 ${W - 14} ${M.top + plotH / 2})" text-anchor="middle">duration</text>`,
  );
  points.forEach((p, i) => {
    const ok = p.status === 'ok';
    const h = Math.max(2, M.top + plotH - y(p.differingRows));
    const title = `${p.at} ${p.command} ${ok ? 'match' : 'differences'}: ${p.differingRows.toLocaleString('en-US')} differing rows in ${p.tablesWithDifferences} of ${p.tables} tables${p.durationMs !== null ? `, ${durationLabel(p.durationMs)}` : ''}`;
    parts.push(
      `<rect class="${ok ? 'ok' : 'bad'}" x="${(x(i) - barW / 2).toFixed(1)}" y="${(M.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(title)}</title></rect>`,
    );
  });
  const line = points
    .map((p, i) => (p.durationMs === null ? null : `${x(i).toFixed(1)},${yMs(p.durationMs).toFixed(1)}`))
    .filter(Boolean);
  if (line.length > 1)
    parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="#1565c0" stroke-width="1.5"/>`);
  for (const [i, p] of points.entries())
    if (p.durationMs !== null)
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${yMs(p.durationMs).toFixed(1)}" r="2.5" fill="#1565c0"/>`);
  // Dates under the first and last bars (and the middle one when there are many).
  const labelled = new Set([0, points.length - 1, points.length > 4 ? Math.floor(points.length / 2) : 0]);
  for (const i of labelled)
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(points[i].at.slice(0, 16).replace('T', ' '))}</text>`,
    );
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#999"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Differing rows and duration of the last ${points.length} verifications">
<style>text{font:11px sans-serif;fill:#444}rect.ok{fill:#2e7d32}rect.bad{fill:#c62828}</style>
${parts.join('\n')}
</svg>`;
}
