// sqlite2pg embedded start|stop|status|url: the embedded server as something a person can look into — left
// running on its remembered port, with the psql command to reach it, until `stop`.
import type { Config } from '../runtime/config.js';
import { EXIT, TargetError, UsageError } from '../model/errors.js';
import { embeddedStatus, startEmbedded, stopEmbedded } from '../pg/embedded.js';
import type { CommandResult } from './migrate.js';

export const EMBEDDED_ACTIONS = ['start', 'stop', 'status', 'url'] as const;
export type EmbeddedAction = (typeof EMBEDDED_ACTIONS)[number];

export async function runEmbedded(config: Config): Promise<CommandResult> {
  if (config.target.kind !== 'embedded') {
    throw new UsageError(
      'embedded: the embedded server is only used without --target and DATABASE_URL (or with --target embedded)',
    );
  }
  const home = config.target.dir;
  const action = config.embeddedAction;
  if (action === 'start') {
    // Started here and never stopped by this process: it stays up for psql and for the next commands.
    const server = await startEmbedded(home);
    return {
      report: null,
      exitCode: EXIT.ok,
      text: `embedded PostgreSQL running at ${server.url}\n  data: ${embeddedStatus(home).dataDir}\n  look:  psql '${server.url}'\n  stop:  sqlite2pg embedded stop`,
    };
  }
  if (action === 'stop') {
    const stopped = await stopEmbedded(home);
    return {
      report: null,
      exitCode: EXIT.ok,
      text: stopped ? 'embedded PostgreSQL stopped' : 'embedded PostgreSQL was not running',
    };
  }
  const status = embeddedStatus(home);
  if (action === 'url') {
    // Exit 3 when it is not running: a script's `psql "$(sqlite2pg embedded url)"` then fails plainly.
    if (!status.url)
      throw new TargetError('the embedded PostgreSQL is not running; start it with: sqlite2pg embedded start');
    return { report: null, exitCode: EXIT.ok, text: status.url };
  }
  const state = status.url
    ? `running at ${status.url}`
    : status.initialised
      ? 'stopped'
      : 'not created yet (the first command without --target creates it)';
  return { report: null, exitCode: EXIT.ok, text: `embedded PostgreSQL: ${state}\n  data: ${status.dataDir}` };
}
