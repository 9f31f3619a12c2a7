// One bench round's steps, each into a fresh database of its own: sqlite2pg migrate (then verify on the
// database it loaded), the raw pipe, pgloader; plus the untimed checks and the profiled migrate.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchDatabases } from './databases.js';
import type { BenchFixtures } from './fixture-cache.js';
import { busyCores, sampleCpu, waitForIdle } from './machine-cpu.js';
import type { BenchOptions } from './options.js';
import { runPgloader, type PgloaderRun, type PgloaderSource } from './pgloader-runner.js';
import { runPipe, type PipeRun } from './pipe-runner.js';
import { runReadFloor, type ReadFloorRun } from './read-floor.js';
import { writeLikeTheApplication } from './source-writer.js';
import { runSqlite2pg, type Sqlite2pgRun } from './sqlite2pg-runner.js';
import type { TargetPlan } from './target-plan.js';

export const log = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
export const loadavg = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** One timed run, with how busy the machine was around it. */
export interface Timed<T> {
  repeat: number;
  /** 1-minute load average when the run started. */
  loadavg: number;
  /** Average busy cores of the whole machine during the run (/proc/stat). */
  busyCores: number | null;
  /** Busy cores just before the run (after --wait-idle), null when not sampled. */
  busyBefore: number | null;
  run: T;
}

export interface Runs {
  migrate: Timed<Sqlite2pgRun>[];
  verify: Timed<Sqlite2pgRun>[];
  floor: Timed<ReadFloorRun>[];
  sync: Timed<Sqlite2pgRun>[];
  pipe: Timed<PipeRun>[];
  pgloader: Timed<PgloaderRun>[];
  /** Timed runs that failed (left out of the medians), with why. */
  failed: { contender: string; repeat: number; error: string }[];
}

/** What `sqlite2pg verify` says about a load some other tool made. */
export interface LoadCheck {
  status: string;
  error?: string;
  tables: { table: string; match: boolean; differences: unknown }[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

export class BenchRounds {
  readonly runs: Runs = { migrate: [], verify: [], floor: [], sync: [], pipe: [], pgloader: [], failed: [] };

  /** Runs one round's step; a failure is recorded and the bench goes on with the next step. */
  async step(contender: 'migrate' | 'pipe' | 'pgloader', repeat: number): Promise<void> {
    try {
      if (contender === 'migrate') await this.migrateAndVerify(repeat);
      else if (contender === 'pipe') await this.pipe(repeat);
      else await this.pgloader(repeat);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`${contender} failed (left out of the medians): ${error}`);
      this.runs.failed.push({ contender, repeat, error });
    }
  }
  pipeCheck: LoadCheck | null = null;
  /** sqlite2pg verify on the target after the first final sync, against the changed sources. */
  syncCheck: LoadCheck | null = null;
  naivePipeCheck: LoadCheck | null = null;
  pgloaderSameTables: (PgloaderRun & { check: LoadCheck | null }) | null = null;
  /** False when CHECKPOINT before a run was refused (not superuser): runs may then pay for earlier writes. */
  checkpointed = true;

  constructor(
    readonly opts: BenchOptions,
    readonly fixtures: BenchFixtures,
    readonly plan: TargetPlan,
    readonly dbs: BenchDatabases,
  ) {}

  /** Runs `fn` (after waiting for an idle machine when --wait-idle asks), noting how busy the machine was. */
  private async timed<T>(repeat: number, fn: () => Promise<T>): Promise<Timed<T>> {
    const busyBefore = this.opts.waitIdleS > 0 ? await waitForIdle(this.opts.waitIdleS * 1000) : null;
    const l = loadavg()[0];
    const before = sampleCpu();
    const run = await fn();
    return { repeat, loadavg: l, busyCores: busyCores(before, sampleCpu()), busyBefore, run };
  }

  private get jobs(): string[] {
    return ['--jobs', String(this.opts.jobs)];
  }

  /** A fresh database for one run, dropped afterwards (unless --keep-databases). */
  private async withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
    const db = await this.dbs.create();
    try {
      this.checkpointed = (await this.dbs.checkpoint()) && this.checkpointed;
      return await fn(db.url);
    } finally {
      if (this.opts.keepDatabases) log(`kept database ${db.name}`);
      else await this.dbs.drop(db.name);
    }
  }

  /** The pgloader sources: per file its target schema and the tables the mapping renames. */
  private pgloaderSources(): PgloaderSource[] {
    return [...new Set(this.plan.tables.map((t) => t.file))].map((file) => {
      const tables = this.plan.tables.filter((t) => t.file === file);
      return {
        file,
        path: tables[0].sourcePath,
        schema: tables[0].targetSchema,
        renames: tables
          .filter((t) => t.sourceTable !== t.targetTable)
          .map((t) => ({ from: t.sourceTable, to: t.targetTable })),
        rows: this.fixtures.manifest.tables.filter((t) => t.file === file).reduce((n, t) => n + t.rows, 0),
      };
    });
  }

  /** migrate into a fresh database, then (when asked) verify that same database. */
  async migrateAndVerify(repeat: number): Promise<void> {
    await this.withDatabase(async (url) => {
      const m = await this.timed(repeat, () =>
        runSqlite2pg(this.opts.cli, 'migrate', this.fixtures.dir, url, ['--mode', 'fresh', ...this.jobs]),
      );
      if (this.opts.only.includes('migrate')) this.runs.migrate.push(m);
      const phases = m.run.peakRssBeforeVerifyKb
        ? ` (${mib(m.run.peakRssBeforeVerifyKb)} before its verify, ${mib(m.run.peakRssDuringVerifyKb ?? 0)} during)`
        : '';
      log(
        `migrate: ${s(m.run.wallMs)}, ${m.run.loadedRows} rows, peak RSS ${mib(m.run.peakRssKb)}${phases}, CPU ${s(m.run.cpuMs)}, busy cores ${m.busyCores}, stages ${JSON.stringify(m.run.stagesMs)}`,
      );
      // verify and the read floor read the same database; which goes first alternates with the round.
      const floorFirst = repeat % 2 === 1;
      if (floorFirst) await this.readFloor(repeat, url);
      await this.verifyLoaded(repeat, url);
      if (!floorFirst) await this.readFloor(repeat, url);
      await this.finalSync(repeat, url);
    });
  }

  /**
   * What sync's final run costs (when asked): a first sync of a copy of the sources, then 0.1 % of each table's
   * rows written in the copy, then the final sync, timed.
   */
  private async finalSync(repeat: number, url: string): Promise<void> {
    if (!this.opts.only.includes('sync')) return;
    const copy = mkdtempSync(path.join(os.tmpdir(), 's2p-bench-sync-'));
    try {
      cpSync(this.fixtures.dir, copy, { recursive: true });
      // The cutover recipe: sync as often as you like (the first after the migrate compares in full and leaves
      // the ledger's baselines), then the final sync, which takes the fast path. Only the final one is timed.
      const first = await runSqlite2pg(this.opts.cli, 'sync', copy, url, this.jobs, [], true);
      log(`first sync (untimed, full comparison, nothing changed yet): ${s(first.wallMs)} (${first.status})`);
      const moved = (p: string) => path.join(copy, path.relative(this.fixtures.dir, p));
      const written = writeLikeTheApplication(
        this.plan.tables.map((t) => ({ ...t, sourcePath: moved(t.sourcePath) })),
        0.001,
      );
      await this.dbs.checkpoint();
      const y = await this.timed(repeat, () => runSqlite2pg(this.opts.cli, 'sync', copy, url, this.jobs, [], true));
      this.runs.sync.push(y);
      log(
        `final sync after ${written.updated} updates, ${written.deleted} deletes, ${written.inserted} inserts: ${s(y.run.wallMs)} (${y.run.status}), peak RSS ${mib(y.run.peakRssKb)}, CPU ${s(y.run.cpuMs)}`,
      );
      if (this.syncCheck === null) this.syncCheck = await this.checkLoad(url, 'final sync', [], copy);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  /** The read floor on the database migrate loaded (when asked). */
  private async readFloor(repeat: number, url: string): Promise<void> {
    if (!this.opts.only.includes('floor')) return;
    await this.dbs.checkpoint();
    const f = await this.timed(repeat, () => runReadFloor(this.plan, url, this.opts.jobs));
    this.runs.floor.push(f);
    log(
      `read floor: ${s(f.run.wallMs)} (source streams ${s(f.run.sourceMs)}, target streams ${s(f.run.targetMs)}), CPU ${s(f.run.cpuMs)}, busy cores ${f.busyCores}`,
    );
  }

  /** sqlite2pg verify on the database migrate loaded (when asked). */
  private async verifyLoaded(repeat: number, url: string): Promise<void> {
    if (!this.opts.only.includes('verify')) return;
    await this.dbs.checkpoint();
    let v: Timed<Sqlite2pgRun>;
    try {
      v = await this.timed(repeat, () => runSqlite2pg(this.opts.cli, 'verify', this.fixtures.dir, url, this.jobs));
    } catch (err) {
      // Seen at 1M rows: "timeout exceeded when trying to connect" (exit 3). Recorded, then tried once more.
      const error = err instanceof Error ? err.message : String(err);
      this.runs.failed.push({ contender: 'verify', repeat, error });
      log(`verify failed (recorded; trying once more): ${error.split('\n').pop()}`);
      try {
        v = await this.timed(repeat, () => runSqlite2pg(this.opts.cli, 'verify', this.fixtures.dir, url, this.jobs));
      } catch (again) {
        const message = again instanceof Error ? again.message : String(again);
        this.runs.failed.push({ contender: 'verify', repeat, error: message });
        log(`verify failed again (left out of the medians): ${message.split('\n').pop()}`);
        return;
      }
    }
    this.runs.verify.push(v);
    log(
      `verify: ${s(v.run.wallMs)}, peak RSS ${mib(v.run.peakRssKb)}, CPU ${s(v.run.cpuMs)}, busy cores ${v.busyCores}`,
    );
  }

  async pipe(repeat: number): Promise<void> {
    await this.withDatabase(async (url) => {
      const p = await this.timed(repeat, () => runPipe(this.plan, url, this.opts.jobs));
      this.runs.pipe.push(p);
      log(
        `pipe: ${s(p.run.wallMs)} (load ${s(p.run.loadMs)}, keys/indexes ${s(p.run.keysAndIndexesMs)}, FKs ${s(p.run.foreignKeysMs)}), peak RSS ${mib(p.run.peakRssMaxKb)}, CPU ${s(p.run.cpuMs)}, busy cores ${p.busyCores}`,
      );
      if (this.opts.checkPipe && this.pipeCheck === null) this.pipeCheck = await this.checkLoad(url, 'pipe');
    });
  }

  async pgloader(repeat: number): Promise<void> {
    await this.withDatabase(async (url) => {
      const g = await this.timed(repeat, () => runPgloader(this.pgloaderSources(), url, this.opts.jobs, 'own-tables'));
      this.runs.pgloader.push(g);
      const failed = g.run.files.filter((f) => !f.ok).map((f) => `${f.file}: ${f.detail}`);
      log(
        `pgloader (own tables): ${s(g.run.wallMs)}, ${g.run.rows} rows, CPU ${s(g.run.cpuMs)}, busy cores ${g.busyCores}, ${failed.length ? `FAILED: ${failed.join('; ')}` : 'ok'}`,
      );
    });
  }

  /** sqlite2pg verify as the oracle on what another loader wrote (untimed). */
  private async checkLoad(
    url: string,
    what: string,
    tables: string[] = [],
    sourceDir = this.fixtures.dir,
  ): Promise<LoadCheck> {
    const only = tables.length ? ['--tables', tables.join(',')] : [];
    let v: Sqlite2pgRun;
    const check = () => runSqlite2pg(this.opts.cli, 'verify', sourceDir, url, [...this.jobs, ...only], [], true);
    try {
      v = await check().catch((err: unknown) => {
        log(
          `${what}: sqlite2pg verify failed, trying once more: ${(err instanceof Error ? err.message : String(err)).split('\n').pop()}`,
        );
        return check();
      });
    } catch (err) {
      // An untimed check that fails (a busy server refusing connections…) is reported, not fatal.
      const error = err instanceof Error ? err.message : String(err);
      log(`${what}: the check by sqlite2pg verify failed: ${error}`);
      return { status: 'error', error, tables: [] };
    }
    const bad = v.tables.filter((t) => !t.checksumMatch);
    const describe = (t: (typeof bad)[number]) =>
      `${t.table} (${t.differences ? `${t.differences.changed} changed, ${t.differences.missing} missing, ${t.differences.extra} extra` : 'no detail'})`;
    log(
      `${what}, checked by sqlite2pg verify: ${bad.length === 0 ? 'every table matches' : `${bad.length} tables differ: ${bad.map(describe).join(', ')}`}`,
    );
    return {
      status: v.status,
      tables: v.tables.map((t) => ({ table: t.table, match: t.checksumMatch, differences: t.differences })),
    };
  }

  /** Once: can pgloader load into the tables sqlite2pg creates? What it does load is checked by verify. */
  async probePgloaderSameTables(): Promise<void> {
    await this.withDatabase(async (url) => {
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url], {
        input: this.plan.preLoadSql,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      const run = await runPgloader(this.pgloaderSources(), url, this.opts.jobs, 'same-tables');
      for (const f of run.files)
        log(`pgloader into sqlite2pg's tables, ${f.file}: ${f.ok ? 'loaded' : 'failed'} — ${f.detail}`);
      const loaded = this.plan.tables
        .filter((t) => run.files.some((f) => f.ok && f.file === t.file))
        .map((t) => t.targetName);
      const check = loaded.length
        ? await this.checkLoad(url, `pgloader into sqlite2pg's tables (the ${loaded.length} it loaded)`, loaded)
        : null;
      this.pgloaderSameTables = { ...run, check };
    });
  }

  /** The pipe without the REAL fix, checked by verify: what plain sqlite3 CSV gets wrong. */
  async checkNaivePipe(): Promise<void> {
    await this.withDatabase(async (url) => {
      await runPipe(this.plan, url, this.opts.jobs, true);
      this.naivePipeCheck = await this.checkLoad(url, 'naive pipe (REAL as sqlite3 prints it)');
    });
  }

  /** One migrate under node --cpu-prof; returns the .cpuprofile written into `dir`. */
  async profile(dir: string): Promise<{ file: string; run: Timed<Sqlite2pgRun> }> {
    mkdirSync(dir, { recursive: true });
    return this.withDatabase(async (url) => {
      const run = await this.timed(0, () =>
        runSqlite2pg(
          this.opts.cli,
          'migrate',
          this.fixtures.dir,
          url,
          ['--mode', 'fresh', ...this.jobs],
          ['--cpu-prof', '--cpu-prof-dir', dir],
        ),
      );
      const file = readdirSync(dir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(dir, f))[0];
      if (!file) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
      return { file, run };
    });
  }
}
