// The report formats: every difference and structure problem shown, the HTML self-contained with its
// trend chart, nothing a value could inject.
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/render.js';
import { trendChart } from '../../src/report/trend-chart.js';
import type { HistoryPoint, RunReport, TableReport } from '../../src/model/run-report.js';

const table = (over: Partial<TableReport>): TableReport => ({
  source: 'a.db:t',
  target: 's.t',
  sourceRows: 10,
  loadedRows: 9,
  rejectedRows: 1,
  targetRows: 9,
  checksum: { source: '9:00', target: '9:00', match: true },
  differences: { missing: 0, extra: 0, changed: 0, samples: [] },
  durationMs: 5,
  status: 'match',
  structure: [],
  ...over,
});

const point = (i: number, diff: number): HistoryPoint => ({
  runId: `r${i}`,
  command: 'verify',
  at: `2026-01-0${i + 1}T02:00:00.000Z`,
  status: diff ? 'differences' : 'ok',
  tables: 2,
  tablesWithDifferences: diff ? 1 : 0,
  differingRows: diff,
  sourceRows: 100,
  durationMs: 1000 + i,
});

const report: RunReport = {
  command: 'verify',
  runId: 'run-1',
  status: 'differences',
  dryRun: false,
  startedAt: '2026-01-05T02:00:00.000Z',
  durationMs: 1234,
  tables: [
    table({}),
    table({
      target: 's.<bad>|t',
      status: 'differences',
      checksum: { source: '9:01', target: '9:02', match: false },
      differences: {
        missing: 1,
        extra: 0,
        changed: 3,
        samples: [
          { key: '<script>alert(1)</script>', kind: 'changed', columns: ['a|b'] },
          { key: '7', kind: 'missing', sourceKey: '12' },
          {
            key: '9',
            kind: 'changed',
            columns: ['title', 'score'],
            values: [
              { column: 'title', source: 'Ann <b>', target: 'Anne' },
              { column: 'score', source: '1.5', target: null },
            ],
          },
        ],
      },
      structure: [{ object: 'index ix', problem: 'missing', expected: '(a)' }],
      accounting: {
        rejected: 1,
        policyChanges: 0,
        graceSource: 2,
        graceTarget: 3,
        inFlight: 1,
        rechecked: 4,
        recheckSkipped: 0,
        invalidLoaded: 0,
      },
    }),
  ],
  totals: { sourceRows: 20, loadedRows: 18, rejectedRows: 2, targetRows: 18 },
  history: [point(0, 0), point(1, 5), point(2, 0), point(3, 4)],
};

describe('report formats', () => {
  it('text: a line per table, then each differing row and structure problem', () => {
    const text = renderReport(report, 'text');
    expect(text).toMatch(/s\.<bad>\|t .*✗ 1 missing, 3 changed, structure/);
    expect(text).toContain('structure: index ix: missing (expected (a))');
    expect(text).toContain('key 7: missing [source 12]');
    expect(text).toContain('… and 1 more differing row(s)');
    expect(text).toContain('key 9: changed: title "Ann <b>" → "Anne"; score "1.5" → NULL');
    expect(text).toContain('--grace left out 2 source and 3 target row(s)');
    expect(text).toMatch(/DIFFERENCES/);
  });

  it('json: the report as is', () => {
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(report);
  });

  it('markdown: cells escaped, the trend as a table', () => {
    const md = renderReport(report, 'markdown');
    expect(md).toContain('| s.\\<bad\\>\\|t | ✗ |');
    expect(md).toContain('changed (a\\|b)');
    expect(md).toContain('key 9: changed: title "Ann \\<b\\>" → "Anne"; score "1.5" → NULL');
    expect(md).toMatch(/## Trend\n/);
  });

  it('html: one self-contained page, every value escaped, with the trend chart', () => {
    const html = renderReport(report, 'html');
    expect(html).not.toMatch(/<script|<link|@import|src=/i);
    expect(html.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('index ix: missing');
    // A changed row: one line per column, the source and target values side by side.
    expect(html).toContain(
      '<td class="l">title</td><td class="l"><code>Ann &#60;b&#62;</code></td><td class="l"><code>Anne</code></td>',
    );
    expect(html).toContain(
      '<td class="l">score</td><td class="l"><code>1.5</code></td><td class="l"><span class="muted">NULL</span></td>',
    );
    expect((html.match(/<rect class="(ok|bad)"/g) ?? []).length).toBe(4);
  });
});

describe('the inventory in every format', () => {
  const inv: RunReport = {
    ...report,
    tables: [table({ target: 's.t' })],
    inventory: [
      {
        file: 'a.db',
        kind: 'table',
        name: 't',
        fate: 'loaded',
        target: 's.t',
        rows: 10,
        loadedRows: 9,
        rejectedRows: 1,
        targetRows: 9,
      },
      {
        file: 'a.db',
        kind: 'index',
        name: 'ix<1>',
        table: 't',
        fate: 'not migrated',
        detail: 'a partial index (WHERE …): re-create it by hand',
      },
      { file: 'a.db', kind: 'table', name: 'old', fate: 'excluded', rows: 4, detail: 'kept in SQLite' },
      {
        file: 'a.db',
        kind: 'table',
        name: 'lost|t',
        fate: 'not accounted for',
        rows: 3,
        detail: '3 rows, neither mapped nor excluded',
      },
    ],
  };

  it('text: one line per object; the verdict names the table not accounted for', () => {
    const text = renderReport(inv, 'text');
    expect(text).toContain('a.db: table t: loaded into s.t, 9 of 10 rows (1 rejected)');
    expect(text).toContain('a.db: index ix<1> (on t): not migrated — a partial index (WHERE …): re-create it by hand');
    expect(text).toContain('a.db: table old: excluded by the mapping, 4 rows — kept in SQLite');
    expect(text).toContain('a.db: table lost|t: NOT ACCOUNTED FOR — 3 rows, neither mapped nor excluded');
    expect(text).toMatch(/DIFFERENCES: source table neither mapped nor excluded: a\.db:lost\|t \(3 rows\)/);
  });

  it('markdown and html: the inventory table, escaped', () => {
    const md = renderReport(inv, 'markdown');
    expect(md).toMatch(/## Inventory\n/);
    expect(md).toContain('| a.db | table lost\\|t |  | ✗ NOT ACCOUNTED FOR — 3 rows, neither mapped nor excluded |');
    expect(md).toContain('| a.db | index ix\\<1\\> | t | not migrated — a partial index');
    const html = renderReport(inv, 'html');
    expect(html).toContain('<h2>Inventory</h2>');
    expect(html).toContain('<td class="l">index ix&#60;1&#62;</td>');
    expect(html).toMatch(/<tr class="bad"><td class="l">a\.db<\/td><td class="l">table lost\|t<\/td>/);
    expect(JSON.parse(renderReport(inv, 'json')).inventory).toEqual(inv.inventory);
  });
});

describe('trendChart', () => {
  it('draws a bar per verification, red for differences, and the duration line', () => {
    const svg = trendChart([point(0, 0), point(1, 120), point(2, 0)])!;
    expect(svg.match(/<rect class="ok"/g)).toHaveLength(2);
    expect(svg.match(/<rect class="bad"/g)).toHaveLength(1);
    expect(svg).toContain('<polyline');
    expect(svg).toContain('120 differing rows');
  });

  it('has nothing to draw without history', () => {
    expect(trendChart([])).toBeNull();
  });
});

describe('readableMicros', () => {
  it('prints canonical timestamps as UTC date and time with microseconds, and odd input as it is', async () => {
    const { readableMicros } = await import('../../src/verify/narrow/findings.js');
    expect(readableMicros('1709287200500000')).toBe('2024-03-01 10:00:00.500000');
    expect(readableMicros('-1')).toBe('1969-12-31 23:59:59.999999');
    expect(readableMicros('0')).toBe('1970-01-01 00:00:00.000000');
    expect(readableMicros('999999999999999999999')).toBe('999999999999999999999');
    expect(readableMicros('infinity')).toBe('infinity');
  });
});
