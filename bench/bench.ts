// npm run bench -- --rows N: sqlite2pg migrate and verify against the raw sqlite3|psql pipe and pgloader,
// alternating, each into a fresh database of its own; prints medians and ratios, writes them all to JSON.
// Not part of npm test. See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  renderProfileSummary,
  splitCpuProfile,
  summariseCpuProfile,
  type CpuProfile,
  type ProfileSummary,
} from './cpuprofile-summary.js';
import { BenchDatabases } from './databases.js';
import { ensureFixtures } from './fixture-cache.js';
import { requireGnuTime } from './measure.js';
import { CONTENDERS, parseBenchArgs, USAGE, type Contender } from './options.js';
import { pgloaderInstalled } from './pgloader-runner.js';
import { renderTable } from './render.js';
import { BenchRounds, loadavg, log, type LoadCheck, type Timed } from './rounds.js';
import type { Sqlite2pgRun } from './sqlite2pg-runner.js';
import { summarise } from './summary.js';
import { readTargetPlan } from './target-plan.js';

type Step = 'migrate' | 'pipe' | 'pgloader';

function requireTools(): void {
  requireGnuTime();
  for (const [tool, pkg] of [
    ['sqlite3', 'sqlite3'],
    ['psql', 'postgresql-client'],
  ]) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is needed for the raw pipe (Debian: apt-get install ${pkg})`);
    }
  }
}

/** The profile summarised whole, then split where verification starts: load phase | verify phase. */
function profileViews(file: string): Record<string, ProfileSummary> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parts = splitCpuProfile(profile, '/src/verify/');
  const views: Record<string, ProfileSummary> = { 'whole migrate': summariseCpuProfile(profile) };
  if (parts) {
    views['up to the first verify frame (start-up, load, keys, indexes)'] = summariseCpuProfile(parts[0]);
    views['from the first verify frame on (closing verify)'] = summariseCpuProfile(parts[1]);
  }
  return views;
}

async function main(): Promise<number> {
  const opts = parseBenchArgs(process.argv.slice(2), process.env);
  if (!opts) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  requireTools();
  if (!existsSync(opts.cli)) throw new Error(`${opts.cli} is missing: npm run build first`);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const loadBefore = loadavg();
  mkdirSync(opts.outDir, { recursive: true });

  const fixtures = ensureFixtures(opts.outDir, opts.rows, opts.seed, log);
  if (opts.nodeOptions) log(`NODE_OPTIONS=${opts.nodeOptions} (passed on to every sqlite2pg run)`);
  log(
    `fixtures ${fixtures.dir}: ${fixtures.totalRows.toLocaleString('en-US')} rows, ${(fixtures.totalBytes / 1e6).toFixed(1)} MB${fixtures.generatedInS === null ? ' (cached)' : `, generated in ${fixtures.generatedInS.toFixed(1)} s`}`,
  );
  const plan = readTargetPlan(opts.cli, fixtures.dir);
  // Everyone starts alike: the SQLite files in the page cache before the first timed run.
  for (const f of fixtures.manifest.files)
    for (const p of [f.path, `${f.path}-wal`]) if (existsSync(p)) readFileSync(p);

  const dbs = new BenchDatabases(opts.target);
  const server = await dbs.serverInfo();
  const rounds = new BenchRounds(opts, fixtures, plan, dbs);
  const onSignal = () => {
    log('interrupted: dropping the bench databases');
    void dbs.dropAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let profile: { file: string; run: Timed<Sqlite2pgRun>; views: Record<string, ProfileSummary> } | null = null;
  try {
    const wantPgloader = opts.only.includes('pgloader') && pgloaderInstalled();
    if (opts.only.includes('pgloader') && !wantPgloader)
      log('pgloader is not installed: skipped (Debian: apt-get install pgloader)');
    if (wantPgloader) await rounds.probePgloaderSameTables();
    const steps = (['migrate', 'pipe', 'pgloader'] as const).filter((c) =>
      c === 'migrate'
        ? ['migrate', 'verify', 'floor', 'sync'].some((c) => opts.only.includes(c as Contender))
        : c === 'pgloader'
          ? wantPgloader
          : opts.only.includes(c),
    );
    for (let r = 0; r < opts.repeat; r++) {
      // Alternating, and the order rotates each round so that no contender always goes first.
      const order: Step[] = steps.map((_, i) => steps[(i + r) % steps.length]);
      log(`round ${r + 1}/${opts.repeat}: ${order.join(' → ')} (load average ${loadavg().join(' ')})`);
      for (const step of order) await rounds.step(step, r);
    }
    if (opts.checkNaivePipe) await rounds.checkNaivePipe();
    if (opts.profile) {
      log('profiling one migrate with node --cpu-prof');
      const p = await rounds.profile(path.join(opts.outDir, `profile-${stamp}`));
      profile = { file: p.file, run: p.run, views: profileViews(p.file) };
      log(
        `profiled migrate: ${(p.run.run.wallMs / 1000).toFixed(2)} s (profiling slows it), peak RSS ${(p.run.run.peakRssKb / 1024).toFixed(0)} MiB`,
      );
    }
  } finally {
    await dbs.dropAll();
  }

  const summary = summarise(rounds.runs, fixtures);
  const title = `sqlite2pg bench — rows=${opts.rows}: ${fixtures.totalRows.toLocaleString('en-US')} rows in ${fixtures.manifest.tables.length} tables, ${(fixtures.totalBytes / 1e6).toFixed(1)} MB of SQLite; ${opts.repeat} alternating runs each, medians; ${os.cpus().length} cores, load average ${loadBefore.join(' ')} before, ${loadavg().join(' ')} after`;
  process.stdout.write(`\n${renderTable(title, summary.lines, summary.ratios, summary.stages)}\n`);
  for (const f of rounds.runs.failed)
    process.stdout.write(
      `\nFAILED (not in the medians): ${f.contender}, round ${f.repeat + 1}: ${f.error.split('\n')[0]}\n`,
    );
  const checkText = (c: LoadCheck) =>
    c.status === 'ok'
      ? 'every table matches'
      : c.status === 'error'
        ? `the check failed: ${c.error?.split('\n').pop()}`
        : `${c.tables
            .filter((t) => !t.match)
            .map((t) => t.table)
            .join(', ')} differ`;
  if (rounds.syncCheck)
    process.stdout.write(
      `\nafter the final sync, sqlite2pg verify against the changed sources: ${checkText(rounds.syncCheck)}\n`,
    );
  if (rounds.pipeCheck)
    process.stdout.write(`\npipe load checked by sqlite2pg verify: ${checkText(rounds.pipeCheck)}\n`);
  if (rounds.naivePipeCheck)
    process.stdout.write(`naive pipe (REAL as sqlite3 prints it): ${checkText(rounds.naivePipeCheck)}\n`);
  if (rounds.pgloaderSameTables) {
    const files = rounds.pgloaderSameTables.files;
    process.stdout.write(
      `\npgloader into sqlite2pg's own tables (create no tables): ${files.filter((f) => f.ok).length} of ${files.length} files load\n`,
    );
    for (const f of files)
      process.stdout.write(
        `  ${f.file}: ${f.ok ? `ok${rounds.pgloaderSameTables.check?.status === 'ok' ? ', verify matches' : ''}` : f.detail}\n`,
      );
  }
  if (profile) {
    for (const [title, view] of Object.entries(profile.views))
      process.stdout.write(`\n== profile: ${title} ==\n${renderProfileSummary(view, 12)}\n`);
    process.stdout.write(
      `\nprofile file: ${profile.file} (node dist/bench/cpuprofile-summary.js FILE --split /src/verify/)\n`,
    );
  }

  const results = {
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    server,
    checkpointBeforeEachRun: rounds.checkpointed,
    options: { ...opts, target: new URL(opts.target).host },
    contenders: CONTENDERS.filter((c) => opts.only.includes(c)),
    fixtures: {
      dir: fixtures.dir,
      rows: fixtures.rows,
      seed: fixtures.seed,
      totalRows: fixtures.totalRows,
      totalBytes: fixtures.totalBytes,
      generatedInS: fixtures.generatedInS,
      tables: fixtures.manifest.tables,
    },
    summary,
    runs: rounds.runs,
    pipeCheck: rounds.pipeCheck,
    syncCheck: rounds.syncCheck,
    naivePipeCheck: rounds.naivePipeCheck,
    pgloaderSameTables: rounds.pgloaderSameTables,
    profile: profile && {
      file: profile.file,
      run: profile.run,
      views: Object.fromEntries(
        Object.entries(profile.views).map(([k, v]) => [
          k,
          { ...v, byFunction: v.byFunction.slice(0, 60), byFile: v.byFile.slice(0, 40) },
        ]),
      ),
    },
  };
  const file = path.join(opts.outDir, `results-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
