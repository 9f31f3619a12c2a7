// Runs the real sqlite2pg executable (dist/, built by the global setup) as a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json: any;
}

/** `umask`: run the CLI under this umask (octal text, e.g. '022') through sh, whatever the test's own. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; umask?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Logs as sentences, as a person reads them (stderr is a pipe here, where JSON would be the default).
    const env = { ...process.env, SQLITE2PG_LOG_LEVEL: 'warn', SQLITE2PG_LOG_FORMAT: 'text', ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const command =
      opts.umask === undefined
        ? [process.execPath, CLI, ...args]
        : ['/bin/sh', '-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, CLI, ...args];
    const child = spawn(command[0], command.slice(1), { cwd: opts.cwd ?? ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: any = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        /* not JSON */
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}
