// One file through `init`, `migrate --mapping` and `verify`, as a person would run them: the e2e tests of
// files nobody planned for use it to assert every exit code and then the rows in PostgreSQL.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, type CliResult } from './cli.js';
import type { Mapping } from '../../src/model/mapping-types.js';

export interface InitRun {
  init: CliResult;
  mapping: Mapping;
  migrate: CliResult;
  verify: CliResult;
}

/**
 * init (with `initArgs`) → migrate → verify of `file` (in `dir`) onto `target`; the mapping is written beside the file.
 */
export async function initMigrateVerify(
  dir: string,
  file: string,
  target: string,
  initArgs: string[] = [],
): Promise<InitRun> {
  const out = path.join(dir, `${path.basename(file)}.mapping.json`);
  const init = await runCli(['init', path.join(dir, file), '--out', out, ...initArgs]);
  if (init.code !== 0) throw new Error(`init exited ${init.code}: ${init.stderr}`);
  const mapping = JSON.parse(readFileSync(out, 'utf8')) as Mapping;
  const migrate = await runCli(['migrate', '--mapping', out, '--source-dir', dir, '--target', target, '--json']);
  const verify = await runCli(['verify', '--mapping', out, '--source-dir', dir, '--target', target, '--json']);
  return { init, mapping, migrate, verify };
}

/** Python 3 with its sqlite3 module, which can register a collation (better-sqlite3 cannot), or null. */
export function python3(): string | null {
  const r = spawnSync('python3', ['-c', 'import sqlite3'], { encoding: 'utf8' });
  return r.status === 0 ? 'python3' : null;
}

/** Runs a Python script (with `sys.argv[1]` = `arg`), failing loudly. */
export function runPython(script: string, arg: string): void {
  const r = spawnSync('python3', ['-c', script, arg], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
}
