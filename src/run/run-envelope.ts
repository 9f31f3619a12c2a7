// What every run (migrate, verify, sync) does around its work: its id and start, the ledger's record of its start
// and end, the report's common fields, its named steps timed, an error's words without the URL's password,
// the error or exit code it ends with, and closing what it opened (sources, target session) however it ends.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../runtime/log.js';
import { TOOL_VERSION } from '../runtime/paths.js';
import { EXIT, Sqlite2pgError, TargetError, type ExitCode } from '../model/errors.js';
import { totalsOf, type RunReport, type TableReport } from '../model/run-report.js';
import { finishRun, insertRun, type RunStart } from '../ledger/ledger.js';
import { redactText } from '../pg/target.js';
import { backoffMs, isConnectionError, isConnectTimeout } from '../pg/retry-budget.js';

/** How a run ends when it does not throw: its report and the exit code. */
export interface RunOutcome {
  report: RunReport | null;
  exitCode: ExitCode;
}

/** The target as a run names it: the URL it connects with, and the one it shows (no password). */
export interface NamedTarget {
  url: string;
  displayUrl: string;
}

/** How a failed run words its error and what its report holds. */
export interface Failure {
  /** The error's words when it is not one of sqlite2pg's own (a driver's, the server's). */
  explain(err: unknown): string;
  /** Appended to the message of an error that is not sqlite2pg's own: what the failure left behind. */
  note?: string;
  /** The failed run's report: its tables so far and fields of its own; none (null) for a run that reports none. */
  report: { tables: TableReport[]; fields: Partial<RunReport> } | null;
  /** Where the ledger's record of the end goes. */
  ledger: pg.Pool;
}

export class RunEnvelope {
  readonly runId = randomUUID();
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  readonly warnings: string[] = [];
  /** The report's stagesMs: each timed step's milliseconds under its stage's name. */
  readonly stagesMs: Record<string, number> = {};
  /** Set by the command once the transaction holding the run's start committed: its end is recorded too. */
  recorded = false;
  private target: NamedTarget | null = null;
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    readonly command: 'migrate' | 'verify' | 'sync',
    readonly dryRun: boolean,
    private readonly log: Logger,
  ) {}

  /** Closed when the run ends, the last given first; the target session last of all (the rest may use it). */
  closes(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Opens the target session; when that fails, what is open already (the sources) is closed. */
  async openTarget<S extends { target: NamedTarget; close(): Promise<void> }>(open: () => Promise<S>): Promise<S> {
    try {
      const session = await open();
      this.target = session.target;
      this.closers.unshift(() => session.close());
      return session;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The run's work, then its closing, whatever happens: a failure goes to `failed` (which returns or throws). */
  async run(work: () => Promise<RunOutcome>, failed: (err: unknown) => Promise<RunOutcome>): Promise<RunOutcome> {
    try {
      return await work();
    } catch (err) {
      return await failed(err);
    } finally {
      await this.close();
    }
  }

  private async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
  }

  /** One named step of the run, logged when done; with a `stage`, its time goes into the report's stagesMs. */
  async step<T>(name: string, work: () => Promise<T>, stage?: string): Promise<T> {
    const s = performance.now();
    let ok = false;
    try {
      const out = await work();
      ok = true;
      return out;
    } finally {
      const ms = Math.round(performance.now() - s);
      if (stage) this.stagesMs[stage] = (this.stagesMs[stage] ?? 0) + ms;
      this.log.debug({ step: name, ms, ok }, `${this.command} step ${ok ? 'done' : 'failed'}`);
    }
  }

  /** `text` without the target URL's password. */
  redact(text: string): string {
    return this.target ? redactText(text, this.target.url) : text;
  }

  /** The report's fields every run has, then the command's own. */
  report(status: RunReport['status'], tables: TableReport[], fields: Partial<RunReport> = {}): RunReport {
    return {
      command: this.command,
      runId: this.runId,
      status,
      dryRun: this.dryRun,
      startedAt: this.startedAt.toISOString(),
      durationMs: Math.round(performance.now() - this.t0),
      tables,
      totals: totalsOf(tables),
      target: this.target?.displayUrl,
      ...fields,
    };
  }

  /** The run's start in the ledger (sqlite2pg.runs), in the command's transaction; `recorded` once it committed. */
  async recordStart(
    client: pg.ClientBase,
    start: Omit<RunStart, 'runId' | 'command' | 'dryRun' | 'toolVersion'>,
  ): Promise<void> {
    await insertRun(client, {
      ...start,
      runId: this.runId,
      command: this.command,
      dryRun: this.dryRun,
      toolVersion: TOOL_VERSION,
    });
  }

  /** A finished run: logged, exit 0 when everything matches, 1 on any difference. */
  finished(report: RunReport): RunOutcome {
    this.log.info({ runId: this.runId, status: report.status, ms: report.durationMs }, `${this.command} finished`);
    return { report, exitCode: report.status === 'ok' ? EXIT.ok : EXIT.differences };
  }

  /**
   * A run that failed: the error to throw (sqlite2pg's own keeps its exit code; any other becomes a TargetError,
   * exit 3, "<command> failed: …"), carrying the failed run's report unless it is a refusal (exit 2, the message
   * says it all); the ledger records the end with the same words the user reads.
   */
  async fail(err: unknown, how: Failure): Promise<never> {
    const message = this.redact(err instanceof Sqlite2pgError ? err.message : how.explain(err));
    const wrapped =
      err instanceof Sqlite2pgError
        ? err
        : new TargetError(`${this.command} failed: ${message}${how.note ? `; ${how.note}` : ''}`, {}, { cause: err });
    const report = how.report
      ? this.report('failed', how.report.tables, { ...how.report.fields, error: this.redact(wrapped.message) })
      : null;
    await this.recordEnd(how.ledger, 'failed', report, report?.error ?? message);
    if (report && wrapped.exitCode !== EXIT.badInput) Object.assign(wrapped, { report });
    throw wrapped;
  }

  /**
   * The run's end in the ledger, on a fresh connection if need be: after a server restart the pool's idle
   * connections are dead, and the first try may pick one. Nothing for a run whose start is not recorded, or
   * was rolled back with its dry run. When the target stays unreachable the run stays 'running', which
   * history shows as interrupted.
   */
  async recordEnd(pool: pg.Pool, status: string, report: RunReport | null, error: string | null): Promise<void> {
    if (!this.recorded || this.dryRun) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await finishRun(pool as unknown as pg.ClientBase, this.runId, status, report, error);
        return;
      } catch (err) {
        // A server that does not answer within connect_timeout is not asked again: the exit would wait each time.
        if (!isConnectionError(err) || isConnectTimeout(err)) return;
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  }
}
