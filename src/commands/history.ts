// sqlite2pg history: the ledger of runs in the target (migrations, verifications, rollbacks), newest first.
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT } from '../model/errors.js';
import { openTarget } from './session.js';
import { ONE_CONNECTION } from '../run/connections.js';
import { ledgerExists, MIGRATE_LOCK_KEY } from '../ledger/ledger.js';
import type { CommandResult } from './migrate.js';

export interface HistoryEntry {
  runId: string;
  command: string;
  status: string;
  mode: string | null;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  tables: number;
  sourceRows: number | null;
  rejectedRows: number | null;
  resumedFrom: string | null;
  error: string | null;
}

export async function readHistory(client: pg.ClientBase, limit = 50): Promise<HistoryEntry[]> {
  if (!(await ledgerExists(client))) return [];
  // A run still 'running' while nobody holds the migrate lock was interrupted (killed, crashed).
  // Advisory locks belong to one database: a migrate into another database of the server does not count.
  const lock = await client.query(
    'SELECT count(*)::int AS n FROM pg_locks WHERE locktype = $1 AND objid = $2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
    ['advisory', MIGRATE_LOCK_KEY],
  );
  const someoneRunning = (lock.rows[0].n as number) > 0;
  const r = await client.query(
    `SELECT r.run_id, r.command, r.status, r.mode, r.dry_run, r.started_at, r.finished_at, r.resumed_from, r.error,
            (SELECT count(*) FROM sqlite2pg.table_loads l WHERE l.run_id = r.run_id)::int AS loads,
            (r.report -> 'totals' ->> 'sourceRows')::bigint AS source_rows,
            (r.report -> 'totals' ->> 'rejectedRows')::bigint AS rejected_rows
       FROM sqlite2pg.runs r ORDER BY r.started_at DESC LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => {
    const status =
      row.status === 'running' && (row.command === 'migrate' || row.command === 'sync') && !someoneRunning
        ? 'interrupted'
        : (row.status as string);
    return {
      runId: row.run_id,
      command: row.command,
      status,
      mode: row.mode,
      dryRun: row.dry_run,
      startedAt: (row.started_at as Date).toISOString(),
      finishedAt: row.finished_at ? (row.finished_at as Date).toISOString() : null,
      durationMs: row.finished_at ? (row.finished_at as Date).getTime() - (row.started_at as Date).getTime() : null,
      tables: row.loads,
      sourceRows: row.source_rows === null ? null : Number(row.source_rows),
      rejectedRows: row.rejected_rows === null ? null : Number(row.rejected_rows),
      resumedFrom: row.resumed_from,
      error: row.error,
    };
  });
}

function historyText(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'no runs recorded in this target (no sqlite2pg schema yet)';
  const rows = entries.map((e) => [
    e.startedAt.replace('T', ' ').slice(0, 19),
    e.command,
    e.status,
    e.mode ?? '',
    e.dryRun ? 'dry run' : '',
    e.durationMs === null ? '' : `${(e.durationMs / 1000).toFixed(1)}s`,
    e.sourceRows === null ? '' : String(e.sourceRows),
    e.rejectedRows === null ? '' : String(e.rejectedRows),
    e.command === 'migrate' || e.command === 'sync' ? String(e.tables) : '',
    e.runId,
  ]);
  // "tables committed": for an interrupted or failed run, what a --mode resume keeps (the rest it loads).
  const header = [
    'started (UTC)',
    'command',
    'status',
    'mode',
    '',
    'time',
    'source rows',
    'rejected',
    'tables committed',
    'run id',
  ];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function runHistory(config: Config, log: Logger): Promise<CommandResult> {
  const session = await openTarget(config, log, ONE_CONNECTION);
  try {
    const client = await session.target.pool.connect();
    try {
      const entries = await readHistory(client);
      return {
        report: null,
        exitCode: EXIT.ok,
        text: config.json ? JSON.stringify({ runs: entries }, null, 2) : historyText(entries),
      };
    } finally {
      client.release();
    }
  } finally {
    await session.close();
  }
}
