// The bench's closing table: medians, rates, peak RSS, CPU and the ratios the performance goals are set in.
import type { SummaryLine } from './stats.js';

export interface Ratios {
  [name: string]: { value: number | null; target?: string };
}

const num = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const opt = (n: number | null, digits: number, width: number) => (n === null ? '—' : num(n, digits)).padStart(width);

export function renderTable(
  title: string,
  lines: SummaryLine[],
  ratios: Ratios,
  stages: Record<string, Record<string, number>>,
): string {
  const width = Math.max(...lines.map((l) => l.name.length), 10);
  const out = [
    title,
    '',
    `${'contender'.padEnd(width)}  runs  median s    min s    max s     rows/s    MB/s  peak RSS MiB  client CPU s  busy cores`,
  ];
  for (const l of lines) {
    out.push(
      `${l.name.padEnd(width)}  ${String(l.runs).padStart(4)}  ${num(l.medianMs / 1000, 2).padStart(8)} ${num(l.minMs / 1000, 2).padStart(8)} ${num(l.maxMs / 1000, 2).padStart(8)} ` +
        `${num(l.rowsPerS).padStart(10)} ${num(l.mbPerS, 1).padStart(7)}  ${opt(l.peakRssMiB, 1, 12)}  ${opt(l.cpuS, 2, 12)}  ${opt(l.busyCores, 2, 10)}${l.note ? `  ${l.note}` : ''}`,
    );
  }
  out.push('', 'ratios (medians):');
  for (const [name, r] of Object.entries(ratios))
    out.push(
      `  ${name.padEnd(52)} ${r.value === null ? '    —' : r.value.toFixed(2).padStart(5)}${r.target ? `   (target ${r.target})` : ''}`,
    );
  for (const [name, s] of Object.entries(stages)) {
    if (Object.keys(s).length === 0) continue;
    out.push(
      '',
      `${name}:`,
      `  ${Object.entries(s)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(' · ')}`,
    );
  }
  return out.join('\n');
}
