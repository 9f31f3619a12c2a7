// Runs the real sqlite2pg CLI (`node dist/src/cli.js migrate|verify … --json`) as a child process and
// keeps what its report says about where the time went.
import { runMeasured } from './measure.js';

export interface TableStages {
  table: string;
  rows: number;
  durationMs: number;
  stagesMs: Record<string, number>;
  checksumMatch: boolean;
  differences: { missing: number; extra: number; changed: number; samples: unknown[] } | null;
}

export interface Sqlite2pgRun {
  wallMs: number;
  peakRssKb: number;
  /** CPU time of the node process (all its threads). */
  cpuMs: number;
  /** The report's own duration (from inside the process: no node start-up). */
  reportMs: number;
  status: string;
  exitCode: number;
  loadedRows: number;
  /** The run's stages (schema, load, keysAndIndexes, foreignKeys, sequences, verify), wall ms. */
  stagesMs: Record<string, number>;
  /** Per table stages: extract/transform/copy are summed over tables loading in parallel, so not wall time. */
  tables: TableStages[];
  /** Peak RSS (KiB, sampled every 100 ms) before and after the closing verify began (migrate only). */
  peakRssBeforeVerifyKb: number | null;
  peakRssDuringVerifyKb: number | null;
  /** [s since start, RSS MiB], one sample a second: whether memory is flat while rows stream. */
  rssTimeline: [number, number][];
}

interface ReportJson {
  status: string;
  durationMs: number;
  stagesMs?: Record<string, number>;
  totals?: { loadedRows?: number; targetRows?: number };
  tables: {
    target: string;
    loadedRows: number;
    targetRows: number;
    durationMs: number;
    stagesMs?: Record<string, number>;
    checksum?: { match: boolean };
    differences?: TableStages['differences'];
  }[];
}

/**
 * `node [nodeFlags…] CLI <command> --source-dir DIR --target URL --json [extra…]`; throws with the tail of its logs
 * when it fails or, unless `allowDifferences`, reports anything but a clean match.
 */
export async function runSqlite2pg(
  cli: string,
  command: 'migrate' | 'verify' | 'sync',
  sourceDir: string,
  url: string,
  extra: string[] = [],
  nodeFlags: string[] = [],
  allowDifferences = false,
): Promise<Sqlite2pgRun> {
  const args = [...nodeFlags, cli, command, '--source-dir', sourceDir, '--target', url, '--json', ...extra];
  const m = await runMeasured(process.execPath, args, {
    env: { ...process.env, SQLITE2PG_LOG_LEVEL: 'warn' },
    rssEveryMs: 100,
  });
  let report: ReportJson;
  try {
    report = JSON.parse(m.stdout) as ReportJson;
  } catch {
    throw new Error(`sqlite2pg ${command} exited ${m.exitCode} without a JSON report:\n${m.stderrTail}`);
  }
  const acceptable = report.status === 'ok' || (allowDifferences && report.status === 'differences');
  if (!acceptable || (m.exitCode !== 0 && report.status === 'ok')) {
    throw new Error(`sqlite2pg ${command} exited ${m.exitCode} with status ${report.status}:\n${m.stderrTail}`);
  }
  // The closing verify is the last stage: it starts about stagesMs.verify before the process ends.
  const verifyStartMs = report.stagesMs?.verify !== undefined ? m.wallMs - report.stagesMs.verify : null;
  const peak = (from: number, to: number) =>
    m.rssTimeline.filter(([t]) => t >= from && t < to).reduce((x, [, kb]) => Math.max(x, kb), 0) || null;
  return {
    wallMs: m.wallMs,
    peakRssBeforeVerifyKb: verifyStartMs === null ? null : peak(0, verifyStartMs),
    peakRssDuringVerifyKb: verifyStartMs === null ? null : peak(verifyStartMs, Infinity),
    rssTimeline: m.rssTimeline
      .filter((_, i) => i % 10 === 0)
      .map(([t, kb]) => [Math.round(t / 100) / 10, Math.round(kb / 1024)]),
    peakRssKb: m.peakRssKb,
    cpuMs: m.cpuMs,
    reportMs: report.durationMs,
    status: report.status,
    exitCode: m.exitCode,
    loadedRows: report.totals?.loadedRows ?? report.totals?.targetRows ?? 0,
    stagesMs: report.stagesMs ?? {},
    tables: report.tables.map((t) => ({
      table: t.target,
      rows: command === 'migrate' ? t.loadedRows : t.targetRows,
      durationMs: t.durationMs,
      stagesMs: t.stagesMs ?? {},
      checksumMatch: t.checksum?.match ?? false,
      differences: t.differences ?? null,
    })),
  };
}
