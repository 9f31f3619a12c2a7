// What every command shares: the mapping, the opened sources and the target connection, opened in that
// order (so a bad source fails before anything touches the target) and closed together.
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import type { LoadedMapping } from '../mapping/load-mapping.js';
import { checkSourceDirHolds, commandMapping } from './command-mapping.js';
import { openSource, type OpenSource } from '../extract/open-source.js';
import { buildRunPlan } from '../plan/build-plan.js';
import type { RunPlan } from '../model/table-plan.js';
import { connectTarget, type Target } from '../pg/target.js';
import type { TargetConnections } from '../run/connections.js';
import { startEmbedded, type EmbeddedServer } from '../pg/embedded.js';
import { loggedProgress, terminalProgress, type ProgressReporter } from '../run/progress.js';
import { stderrLine } from '../runtime/status-line.js';
import { SourceWorkers, type HostedFile, type SlowRequest } from '../worker/source-host.js';
import { oversizedRow, ROW_BYTES_LIMIT } from '../extract/row-size.js';
import { SourceReadError } from '../model/errors.js';

export { TOOL_VERSION } from '../runtime/paths.js';

export interface Sources {
  byFile: Map<string, OpenSource>;
  db(file: string): OpenSource['db'];
  /** The file's source worker, when the files are hosted in worker threads (migrate, verify). */
  hosted(file: string): HostedFile | null;
  close(): Promise<void>;
}

/**
 * Opens every file the mapping names (exit 2 on the first that cannot be read). With `hosted`, each file is
 * opened, checked and pinned to its snapshot inside a source worker thread (src/worker/), which then does
 * the run's bulk reading; the main thread's `db` answers through it, on the same snapshot, and a question
 * that keeps it waiting long is logged on `hosted.log`.
 */
export function openSources(
  mapping: LoadedMapping,
  config: Pick<Config, 'sourceDir' | 'quickCheck'> & Partial<Pick<Config, 'copyFormat'>>,
  hosted: { log: Logger } | null = null,
): Sources {
  const options = { quickCheck: config.quickCheck, busyTimeoutMs: 5000 };
  const files = mapping.mapping.sources.map((s) => ({ file: s.file, path: path.join(config.sourceDir, s.file) }));
  // SQLITE2PG_COPY_FORMAT=text (no binary COPY on the way) holds for verify's reads as for the load's.
  const targetCopyFormat = config.copyFormat === 'text' ? 'text' : 'binary';
  const workers = hosted
    ? SourceWorkers.start(files, { ...options, targetCopyFormat }, slowRequestWarning(hosted.log))
    : null;
  const byFile = new Map<string, OpenSource>();
  if (workers) {
    for (const f of files) byFile.set(f.file, { ...f, db: workers.file(f.file)!.db, close: () => {} });
    return {
      byFile,
      db: (file) => byFile.get(file)?.db ?? null,
      hosted: (file) => workers.file(file),
      close: () => workers.close(),
    };
  }
  try {
    for (const f of files) byFile.set(f.file, openSource(f.file, f.path, options));
  } catch (err) {
    for (const s of byFile.values()) s.close();
    throw err;
  }
  return {
    byFile,
    db: (file) => byFile.get(file)?.db ?? null,
    hosted: () => null,
    close: async () => byFile.forEach((s) => s.close()),
  };
}

/** The main thread stands still while a source worker answers: say so, and what it is waiting for. */
function slowRequestWarning(log: Logger): SlowRequest {
  return ({ file, request, waitedMs }) =>
    log.warn(
      { file, request, waitedS: Math.round(waitedMs / 1000) },
      'still waiting for a source worker: the run stands still until it answers',
    );
}

export interface PlannedSources {
  loaded: LoadedMapping;
  sources: Sources;
  plan: RunPlan;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Exit 2 before anything runs when a row is larger than sqlite2pg can verify (extract/row-size.ts). */
function refuseOversizedRows(plan: RunPlan, sources: Sources): void {
  for (const t of plan.tables) {
    const filePath = sources.byFile.get(t.source.file)?.path;
    const big = filePath ? oversizedRow(sources.db(t.source.file), t, filePath) : null;
    if (!big) continue;
    throw new SourceReadError(
      `source ${t.source.file}, table ${t.source.table}, row ${big.key}: its TEXT and BLOB values hold ${big.bytes} bytes (${mib(big.bytes)}; column ${big.column}: ${mib(big.columnBytes)}), ` +
        `more than the ${ROW_BYTES_LIMIT} bytes (${mib(ROW_BYTES_LIMIT)}) a row may hold: verification reads each row as one line of COPY text, where a BLOB is twice its size in hex`,
      { file: t.source.file, table: t.source.table, row: big.key, column: big.column },
    );
  }
}

/** The mapping, the opened sources (`hosted`: in source workers) and the plan built from them. */
export function planSources(config: Config, hosted: { log: Logger } | null = null): PlannedSources {
  const loaded = commandMapping(config, hosted?.log ?? null);
  checkSourceDirHolds(loaded, config);
  const sources = openSources(loaded, config, hosted);
  try {
    const plan = buildRunPlan(loaded, config.sourceDir, sources.byFile);
    refuseOversizedRows(plan, sources);
    return { loaded, sources, plan };
  } catch (err) {
    void sources.close();
    throw err;
  }
}

export interface TargetSession {
  target: Target;
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

/**
 * Connects to --target / DATABASE_URL, or starts the embedded server and prints its URL; the pool sized as
 * `connections` says.
 */
export async function openTarget(config: Config, log: Logger, connections: TargetConnections): Promise<TargetSession> {
  let embedded: EmbeddedServer | null = null;
  let url: string;
  if (config.target.kind === 'embedded') {
    embedded = await startEmbedded(config.target.dir);
    url = embedded.url;
    stderrLine.print(`sqlite2pg: embedded PostgreSQL at ${url} (data in ${config.target.dir})`);
  } else {
    url = config.target.url;
  }
  try {
    const target = await connectTarget(url, {
      poolSize: connections.pool,
      retries: config.retries,
      log,
      statementTimeoutMs: config.statementTimeoutMs,
      stallSeconds: config.stallSeconds ?? undefined,
    });
    return {
      target,
      embedded,
      async close() {
        await target.close().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/** The run's progress: a live line on a terminal, else a log line every ~10 s. */
export function runProgress(config: Config, log: Logger): ProgressReporter {
  return config.progress === 'line' ? terminalProgress(stderrLine) : loggedProgress(log, config.progressIntervalMs);
}
