// The command line: parses flags (yargs), resolves the config, runs one command, prints its report, and
// turns every outcome into the contract's exit code (0 match, 1 differences, 2 bad input, 3 failed).
import yargs, { type Argv } from 'yargs';
import { resolveConfig, type Command, type Config, type Flags } from './runtime/config.js';
import { createLogger, type Logger } from './runtime/log.js';
import { stderrLine } from './runtime/status-line.js';
import { EXIT, exitCodeOf, Sqlite2pgError, type ExitCode } from './model/errors.js';
import { runMigrate, type CommandResult } from './commands/migrate.js';
import { runVerify } from './commands/verify.js';
import { runSync } from './commands/sync.js';
import { runPlan } from './commands/plan.js';
import { runCheck } from './commands/check.js';
import { runHistory } from './commands/history.js';
import { runInit } from './commands/init.js';
import { runRollback } from './commands/rollback.js';
import { EMBEDDED_ACTIONS, runEmbedded } from './commands/embedded.js';
import { armPausePoint } from './runtime/pause-points.js';
import { summaryTable } from './report/summary-table.js';
import { renderReport } from './report/render.js';
import { writePrivateFile } from './runtime/private-files.js';
import type { RunReport } from './model/run-report.js';
import { TOOL_VERSION } from './runtime/paths.js';

const RUNNERS: Record<Command, (config: Config, log: Logger) => Promise<CommandResult>> = {
  migrate: runMigrate,
  verify: runVerify,
  sync: runSync,
  plan: (config) => runPlan(config),
  check: runCheck,
  history: runHistory,
  rollback: runRollback,
  init: (config) => runInit(config),
  embedded: (config) => runEmbedded(config),
};

/** Report files carry sample rows: they are written 0600 (private-files.ts). */
function writeReport(config: Config, report: RunReport): void {
  if (config.reportFile) writePrivateFile(config.reportFile, JSON.stringify(report, null, 2) + '\n');
  if (config.command === 'verify') {
    const rendered = renderReport(report, config.format);
    if (config.out) writePrivateFile(config.out, rendered);
    if (config.json || !config.out)
      process.stdout.write(config.json ? JSON.stringify(report, null, 2) + '\n' : rendered);
    return;
  }
  // sync: its own text (commands/sync.ts), or the JSON report.
  if (config.command === 'sync') {
    if (config.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  process.stdout.write(config.json ? JSON.stringify(report, null, 2) + '\n' : summaryTable(report) + '\n');
}

async function execute(command: Command, flags: Flags): Promise<ExitCode> {
  let config: Config | null = null;
  let log: Logger | null = null;
  try {
    config = resolveConfig(command, flags, process.env, process.cwd(), process.stderr.isTTY === true);
    log = createLogger(config.logLevel, config.logFormat);
    armPausePoint(config.pauseAt, config.pauseMs);
    const result = await RUNNERS[command](config, log);
    if (result.report) writeReport(config, result.report);
    if (result.text !== undefined) process.stdout.write(result.text.endsWith('\n') ? result.text : result.text + '\n');
    return result.exitCode;
  } catch (err) {
    const code = exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const report = (err as { report?: RunReport }).report;
    if (config && report) writeReport(config, report);
    // Said once: as a JSON log line where logs are JSON, else as the sentence a person reads.
    if (log && config?.logFormat === 'json' && log.isLevelEnabled('error'))
      log.error(
        { command, exitCode: code, ...(err instanceof Sqlite2pgError ? { kind: err.code, ...err.place } : {}) },
        `sqlite2pg ${command}: ${message}`,
      );
    else stderrLine.print(`sqlite2pg ${command}: ${message}`);
    if (code === EXIT.failed && !(err instanceof Sqlite2pgError) && err instanceof Error && err.stack && config?.debug)
      process.stderr.write(err.stack + '\n');
    return code;
  }
}

const common = {
  'source-dir': { type: 'string', describe: 'folder holding the SQLite files (default ./data)' },
  mapping: {
    type: 'string',
    describe:
      'mapping file (JSON); default: made from the SQLite files named as arguments, else the built-in mapping of the four legacy databases',
  },
  target: {
    type: 'string',
    describe: 'PostgreSQL URL (default $DATABASE_URL; "embedded" or neither: an embedded server under ./.sqlite2pg/)',
  },
  json: { type: 'boolean', describe: 'print the JSON report on stdout and nothing else' },
  'save-mapping': {
    type: 'string',
    requiresArg: true,
    describe: 'with SQLite files as arguments: also write the mapping made from them to this file',
  },
  identifiers: {
    choices: ['snake', 'keep', 'lower'],
    describe: 'target names from SQLite names: snake_case (default), kept as written, or lower-cased',
  },
} as const;

/** SQLite files as arguments: with no --mapping, their mapping is made as `init` makes it. */
function withFiles(y: Argv): Argv {
  return y.positional('files', {
    type: 'string',
    array: true,
    describe: 'SQLite files (instead of --source-dir; with no --mapping, their mapping is made on the fly)',
  });
}

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
    .command(
      'migrate [files..]',
      'load the SQLite files into PostgreSQL, then verify',
      (y) =>
        withFlags(withFiles(y), ['source-dir', 'mapping', 'target', 'json', 'save-mapping', 'identifiers'], {
          mode: {
            choices: ['fresh', 'truncate', 'resume'],
            default: 'fresh',
            describe:
              'fresh refuses tables holding rows; truncate empties them; resume keeps tables a previous run finished',
          },
          jobs: { requiresArg: true, describe: 'tables loaded in parallel (default 2)' },
          'dry-run': { type: 'boolean', describe: 'do everything inside a transaction that is rolled back' },
          'max-rejects': {
            requiresArg: true,
            describe: 'stop with exit 1 when more rows than this are rejected (default: no limit)',
          },
          'backup-dir': { type: 'string', describe: 'take an online backup of each source here first' },
          report: { type: 'string', describe: 'also write the JSON report to this file' },
          'sample-rows': { requiresArg: true, describe: 'differing rows listed per table (default 20)' },
          'quick-check': {
            type: 'boolean',
            default: true,
            describe: 'run PRAGMA quick_check on each source first (--no-quick-check to skip)',
          },
          retries: { requiresArg: true, describe: 'connection retries with backoff (default 3)' },
          'statement-timeout': { requiresArg: true, describe: 'statement timeout in ms (default none)' },
        }),
      pick('migrate'),
    )
    .command(
      'verify [files..]',
      'compare the target with the SQLite files, down to the rows',
      (y) =>
        withFlags(withFiles(y), ['source-dir', 'mapping', 'target', 'json', 'save-mapping', 'identifiers'], {
          format: { choices: ['text', 'json', 'markdown', 'html'], describe: 'report format (default text)' },
          out: { type: 'string', describe: 'write the report to this file' },
          grace: { requiresArg: true, describe: 'leave out rows newer than this many seconds (dual-write)' },
          tables: { type: 'string', describe: 'comma-separated tables to verify' },
          'sample-rows': { requiresArg: true, describe: 'differing rows listed per table (default 20)' },
          jobs: { requiresArg: true, describe: 'tables verified in parallel (default 2)' },
          'quick-check': { type: 'boolean', default: true },
        }),
      pick('verify'),
    )
    .command(
      'sync [files..]',
      'bring a migrated target up to the SQLite files as they are now (inserts, updates, deletes)',
      (y) =>
        withFlags(withFiles(y), ['source-dir', 'mapping', 'target', 'json', 'save-mapping', 'identifiers'], {
          tables: { type: 'string', describe: 'comma-separated tables to sync' },
          jobs: { requiresArg: true, describe: 'tables synced in parallel (default 2)' },
          grace: { requiresArg: true, describe: 'leave rows newer than this many seconds for the next sync' },
          'dry-run': { type: 'boolean', describe: 'say what would change, change nothing' },
          full: { type: 'boolean', describe: "compare both sides in full, not trusting the last sync's baseline" },
          report: { type: 'string', describe: 'also write the JSON report to this file' },
          'quick-check': { type: 'boolean', default: true },
        }),
      pick('sync'),
    )
    .command(
      'rollback',
      'remove what a run loaded',
      (y) =>
        withFlags(y, ['target', 'json'], { run: { type: 'string', describe: 'run id (default: the last migrate)' } }),
      pick('rollback'),
    )
    .command(
      'plan [files..]',
      'show how each table would be migrated',
      (y) =>
        withFlags(withFiles(y), ['source-dir', 'mapping', 'json', 'save-mapping', 'identifiers'], {
          sql: { type: 'boolean', describe: 'print the target DDL instead' },
          'quick-check': { type: 'boolean', default: false },
        }),
      pick('plan'),
    )
    .command(
      'check',
      'check the target connection, the sources and the target state',
      (y) => withFlags(y, ['source-dir', 'mapping', 'target', 'json']),
      pick('check'),
    )
    .command(
      'init <files..>',
      'write a mapping for any SQLite files',
      (y) =>
        y.positional('files', { type: 'string', array: true }).options({
          out: { type: 'string', describe: 'mapping file to write' },
          identifiers: common.identifiers,
          fts: {
            type: 'string',
            describe:
              'give each migrated FTS table a generated tsvector column with a GIN index, in this text search configuration (default simple)',
          },
        }),
      pick('init'),
    )
    .command(
      'history',
      'list the runs recorded in the target',
      (y) => withFlags(y, ['target', 'json']),
      pick('history'),
    )
    .command(
      'embedded <action>',
      'start (and leave running), stop, or show the embedded PostgreSQL',
      (y) =>
        withFlags(y.positional('action', { choices: EMBEDDED_ACTIONS, describe: 'start | stop | status | url' }), [
          'target',
        ]),
      pick('embedded'),
    )
    .option('log-format', {
      choices: ['json', 'text'],
      global: true,
      describe: 'logs on stderr as JSON lines or short sentences (default: text on a terminal, json otherwise)',
    })
    .demandCommand(1, 'name a command')
    .strict()
    // Numbers stay as written until config.ts checks them: "--jobs abc" is then quoted back as given.
    .parserConfiguration({ 'parse-numbers': false })
    .help()
    .version('version', 'print the version', TOOL_VERSION)
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
