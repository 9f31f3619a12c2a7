// The command line: parses flags (yargs), resolves the config, runs one command, prints its report, and
// turns every outcome into the contract's exit code (0 match, 1 differences, 2 bad input, 3 failed).
import { writeFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { resolveConfig, type Command, type Config, type Flags } from './config.js';
import { createLogger, type Logger } from './log.js';
import { EXIT, exitCodeOf, Sqlite2pgError, type ExitCode } from './errors.js';
import { runMigrate, type CommandResult } from './commands/migrate.js';
import { runVerify } from './commands/verify.js';
import { runPlan } from './commands/plan.js';
import { runCheck } from './commands/check.js';
import { runHistory } from './commands/history.js';
import { runInit } from './commands/init.js';
import { runRollback } from './commands/rollback.js';
import { armPausePoint } from './pause-points.js';
import { summaryTable } from './report/summary-table.js';
import { renderReport } from './report/render.js';
import type { RunReport } from './report/report.js';

const RUNNERS: Record<Command, (config: Config, log: Logger) => Promise<CommandResult>> = {
  migrate: runMigrate,
  verify: runVerify,
  plan: (config) => runPlan(config),
  check: runCheck,
  history: runHistory,
  rollback: runRollback,
  init: (config) => runInit(config),
};

function writeReport(config: Config, report: RunReport): void {
  if (config.reportFile) writeFileSync(config.reportFile, JSON.stringify(report, null, 2) + '\n');
  if (config.command === 'verify') {
    const rendered = renderReport(report, config.format);
    if (config.out) writeFileSync(config.out, rendered);
    if (config.json || !config.out) process.stdout.write(config.json ? JSON.stringify(report, null, 2) + '\n' : rendered);
    return;
  }
  process.stdout.write(config.json ? JSON.stringify(report, null, 2) + '\n' : summaryTable(report) + '\n');
}

async function execute(command: Command, flags: Flags): Promise<ExitCode> {
  let config: Config | null = null;
  let log: Logger | null = null;
  try {
    config = resolveConfig(command, flags, process.env, process.cwd(), process.stderr.isTTY === true);
    log = createLogger(config.logLevel);
    armPausePoint(config.pauseAt, config.pauseMs);
    const result = await RUNNERS[command](config, log);
    if (result.report) writeReport(config, result.report);
    if (result.text !== undefined) process.stdout.write(result.text.endsWith('\n') ? result.text : result.text + '\n');
    return result.exitCode;
  } catch (err) {
    const code = exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    log?.error({ code, error: message, ...(err instanceof Sqlite2pgError ? { kind: err.code, ...err.place } : {}) }, 'command failed');
    const report = (err as { report?: RunReport }).report;
    if (config && report) writeReport(config, report);
    process.stderr.write(`sqlite2pg ${command}: ${message}\n`);
    if (code === EXIT.failed && !(err instanceof Sqlite2pgError) && err instanceof Error && err.stack && config?.debug) process.stderr.write(err.stack + '\n');
    return code;
  }
}

const common = {
  'source-dir': { type: 'string', describe: 'folder holding the SQLite files (default ./data)' },
  mapping: { type: 'string', describe: 'mapping file (JSON); default: the built-in mapping of the four legacy databases' },
  target: { type: 'string', describe: 'PostgreSQL URL (default $DATABASE_URL; "embedded" or neither: an embedded server under ./.sqlite2pg/)' },
  json: { type: 'boolean', describe: 'print the JSON report on stdout and nothing else' },
} as const;

function withFlags(y: Argv, names: (keyof typeof common)[], extra: Record<string, object> = {}): Argv {
  const opts: Record<string, object> = {};
  for (const n of names) opts[n] = common[n];
  return y.options({ ...opts, ...extra } as never);
}

export async function main(argv: string[]): Promise<ExitCode> {
  let chosen: { command: Command; flags: Flags } | null = null;
  const pick = (command: Command) => (flags: Flags) => {
    chosen = { command, flags };
  };
  let usageError: string | null = null;
  await yargs(argv)
    .scriptName('sqlite2pg')
    .usage('$0 <command> [options]\n\nMove SQLite databases into PostgreSQL and prove nothing was lost.')
    .command('migrate', 'load the SQLite files into PostgreSQL, then verify', (y) =>
      withFlags(y, ['source-dir', 'mapping', 'target', 'json'], {
        mode: { choices: ['fresh', 'truncate', 'resume'], default: 'fresh', describe: 'fresh refuses tables holding rows; truncate empties them; resume keeps tables a previous run finished' },
        jobs: { type: 'number', describe: 'tables loaded in parallel (default 2)' },
        'dry-run': { type: 'boolean', describe: 'do everything inside a transaction that is rolled back' },
        'max-rejects': { type: 'number', describe: 'stop with exit 1 when more rows than this are rejected (default: no limit)' },
        'backup-dir': { type: 'string', describe: 'take an online backup of each source here first' },
        report: { type: 'string', describe: 'also write the JSON report to this file' },
        'sample-rows': { type: 'number', describe: 'differing rows listed per table (default 20)' },
        'quick-check': { type: 'boolean', default: true, describe: 'run PRAGMA quick_check on each source first (--no-quick-check to skip)' },
        retries: { type: 'number', describe: 'connection retries with backoff (default 3)' },
        'statement-timeout': { type: 'number', describe: 'statement timeout in ms (default none)' },
      }), pick('migrate'))
    .command('verify', 'compare the target with the SQLite files, down to the rows', (y) =>
      withFlags(y, ['source-dir', 'mapping', 'target', 'json'], {
        format: { choices: ['text', 'json', 'markdown', 'html'], describe: 'report format (default text)' },
        out: { type: 'string', describe: 'write the report to this file' },
        grace: { type: 'number', describe: 'leave out rows newer than this many seconds (dual-write)' },
        tables: { type: 'string', describe: 'comma-separated tables to verify' },
        'sample-rows': { type: 'number', describe: 'differing rows listed per table (default 20)' },
        jobs: { type: 'number', describe: 'tables verified in parallel (default 2)' },
        'quick-check': { type: 'boolean', default: true },
      }), pick('verify'))
    .command('rollback', 'remove what a run loaded', (y) => withFlags(y, ['target', 'json'], { run: { type: 'string', describe: 'run id (default: the last migrate)' } }), pick('rollback'))
    .command('plan', 'show how each table would be migrated', (y) => withFlags(y, ['source-dir', 'mapping', 'json'], { sql: { type: 'boolean', describe: 'print the target DDL instead' }, 'quick-check': { type: 'boolean', default: false } }), pick('plan'))
    .command('check', 'check the target connection, the sources and the target state', (y) => withFlags(y, ['source-dir', 'mapping', 'target', 'json']), pick('check'))
    .command('init <files..>', 'write a mapping for any SQLite files', (y) =>
      y.positional('files', { type: 'string', array: true }).options({ out: { type: 'string', describe: 'mapping file to write' }, identifiers: { choices: ['keep', 'lower', 'snake'], default: 'keep' },
        fts: { type: 'string', describe: 'give each migrated FTS table a generated tsvector column with a GIN index, in this text search configuration (default simple)' } }), pick('init'))
    .command('history', 'list the runs recorded in the target', (y) => withFlags(y, ['target', 'json']), pick('history'))
    .demandCommand(1, 'name a command')
    .strict()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg || err?.message || 'bad invocation';
    })
    .parseAsync();
  if (usageError) {
    process.stderr.write(`sqlite2pg: ${usageError}\nrun "sqlite2pg --help" for usage\n`);
    return EXIT.badInput;
  }
  if (!chosen) return EXIT.ok; // --help
  const { command, flags } = chosen as { command: Command; flags: Flags };
  return execute(command, flags);
}

