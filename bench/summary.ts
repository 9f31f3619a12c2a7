// Turns the runs into the closing table's lines, the ratios the performance goals are set in, and stage medians.
import type { BenchFixtures } from './fixture-cache.js';
import type { Ratios } from './render.js';
import type { Runs } from './rounds.js';
import type { Sqlite2pgRun } from './sqlite2pg-runner.js';
import { medianOfKeys, ratio, summaryLine, type LineInput, type SummaryLine } from './stats.js';

export interface BenchSummary {
  lines: SummaryLine[];
  ratios: Ratios;
  stages: Record<string, Record<string, number>>;
}

/** Per-table stages added up over the tables (they load two at a time, so the sums are not wall time). */
function tableSums(r: Sqlite2pgRun): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const t of r.tables) for (const [k, ms] of Object.entries(t.stagesMs)) sums[k] = (sums[k] ?? 0) + ms;
  return sums;
}

export function summarise(runs: Runs, fixtures: BenchFixtures): BenchSummary {
  const { totalRows: rows, totalBytes: bytes } = fixtures;
  const line = (name: string, input: LineInput) =>
    input.wallMs.length ? summaryLine(name, input, rows, bytes) : undefined;
  const m = runs.migrate;
  const v = runs.verify;
  const f = runs.floor;
  const y = runs.sync;
  const p = runs.pipe;
  const g = runs.pgloader.filter((r) => r.run.ok);
  const L = {
    migrate: line('sqlite2pg migrate (incl. closing verify)', {
      wallMs: m.map((r) => r.run.wallMs),
      rssKb: m.map((r) => r.run.peakRssKb),
      cpuMs: m.map((r) => r.run.cpuMs),
      busyCores: m.map((r) => r.busyCores),
    }),
    migrateLoad: line('  migrate load stage (keys inside)', {
      wallMs: m.map((r) => r.run.stagesMs.load ?? 0),
      note: 'stagesMs.load (each table: COPY, its keys, indexes, FKs, then its rows verified)',
    }),
    verify: line('sqlite2pg verify', {
      wallMs: v.map((r) => r.run.wallMs),
      rssKb: v.map((r) => r.run.peakRssKb),
      cpuMs: v.map((r) => r.run.cpuMs),
      busyCores: v.map((r) => r.busyCores),
    }),
    floor: line('read floor (sqlite3 -csv + psql \\copy TO, to /dev/null)', {
      wallMs: f.map((r) => r.run.wallMs),
      rssKb: f.map((r) => r.run.peakRssMaxKb),
      cpuMs: f.map((r) => r.run.cpuMs),
      busyCores: f.map((r) => r.busyCores),
      note: 'both sides read, 2 streams at a time; RSS: largest process',
    }),
    sync: line('sqlite2pg sync, final (0.1 % of rows changed)', {
      wallMs: y.map((r) => r.run.wallMs),
      rssKb: y.map((r) => r.run.peakRssKb),
      cpuMs: y.map((r) => r.run.cpuMs),
      busyCores: y.map((r) => r.busyCores),
      note: 'after migrate and a first sync; a copy of the sources written by bench/source-writer.ts',
    }),
    pipe: line('pipe + keys/indexes/FKs/sequences', {
      wallMs: p.map((r) => r.run.wallMs),
      rssKb: p.map((r) => r.run.peakRssConcurrentKb),
      cpuMs: p.map((r) => r.run.cpuMs),
      busyCores: p.map((r) => r.busyCores),
      note: 'RSS: 2 pipes at once, sqlite3+psql added',
    }),
    pipeLoad: line('  pipe, load only', {
      wallMs: p.map((r) => r.run.loadMs),
      rssKb: p.map((r) => r.run.peakRssMaxKb),
      note: 'RSS: largest process',
    }),
    pipeLoadKeys: line('  pipe, load + keys/indexes + FKs', {
      wallMs: p.map((r) => r.run.loadMs + r.run.keysAndIndexesMs + r.run.foreignKeysMs),
      note: "what migrate's load stage holds",
    }),
    pgloader: line('pgloader (own tables, 2 files at once)', {
      wallMs: g.map((r) => r.run.wallMs),
      rssKb: g.map((r) => r.run.peakRssConcurrentKb),
      cpuMs: g.map((r) => r.run.cpuMs),
      busyCores: g.map((r) => r.busyCores),
      note: 'RSS: 2 pgloaders at once, added',
    }),
  };
  const ratios: Ratios = {
    'migrate incl. verify / pipe + keys…': { value: ratio(L.migrate, L.pipe), target: '≤ 1.3, aim 1.0' },
    // migrate builds each table's keys and verifies its rows in its load lane; compared with the pipe's load and keys.
    'migrate load stage / pipe load + keys + FKs': { value: ratio(L.migrateLoad, L.pipeLoadKeys) },
    'migrate incl. verify / pgloader': { value: ratio(L.migrate, L.pgloader) },
    'final sync / migrate incl. verify': { value: ratio(L.sync, L.migrate), target: '≤ 0.3' },
    'final sync / verify': { value: ratio(L.sync, L.verify), target: '< 1.0' },
    'verify / read floor': { value: ratio(L.verify, L.floor), target: '≤ 2.0, aim 1.5' },
    'verify / pipe load only': { value: ratio(L.verify, L.pipeLoad) },
  };
  const pipeStages = p.map(({ run: r }) => ({
    schema: r.schemaMs,
    load: r.loadMs,
    keysAndIndexes: r.keysAndIndexesMs,
    foreignKeys: r.foreignKeysMs,
    sequences: r.sequencesMs,
  }));
  return {
    lines: Object.values(L).filter((l): l is SummaryLine => l !== undefined),
    ratios,
    stages: {
      'migrate stages, wall ms (median)': medianOfKeys(
        m.map((r) => ({
          ...r.run.stagesMs,
          'outside stages (start-up, source open + quick_check, report)': Math.round(
            r.run.wallMs - Object.values(r.run.stagesMs).reduce((n, x) => n + x, 0),
          ),
        })),
      ),
      'migrate per-table stages added up over tables, ms (median; 2 tables at a time, so not wall time)': medianOfKeys(
        m.map((r) => tableSums(r.run)),
      ),
      'pipe stages, wall ms (median)': medianOfKeys(pipeStages),
    },
  };
}
