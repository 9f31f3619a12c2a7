// The verifications the ledger remembers (sqlite2pg.verifications with their runs): the trend the HTML
// report draws, one point per run that verified the target.
import type pg from 'pg';
import type { HistoryPoint } from '../model/run-report.js';
import { ledgerExists } from './ledger.js';

/** The last `limit` verifications (verify runs and migrate's closing ones, dry runs left out), oldest first. */
export async function verificationHistory(client: pg.ClientBase, limit = 60): Promise<HistoryPoint[]> {
  if (!(await ledgerExists(client))) return [];
  const r = await client.query(
    `SELECT r.run_id, r.command, max(v.verified_at) AS at,
            CASE WHEN bool_and(v.status = 'match') THEN 'ok' ELSE 'differences' END AS status,
            count(*)::int AS tables, (count(*) FILTER (WHERE v.status <> 'match'))::int AS bad,
            sum(v.missing + v.extra + v.changed)::text AS differing, sum(v.source_rows)::text AS source_rows,
            round(extract(epoch FROM coalesce(r.finished_at, max(v.verified_at)) - r.started_at) * 1000)::text AS duration_ms
       FROM sqlite2pg.verifications v JOIN sqlite2pg.runs r USING (run_id)
      WHERE NOT r.dry_run
      GROUP BY r.run_id ORDER BY max(v.verified_at) DESC LIMIT $1`,
    [limit],
  );
  return r.rows.reverse().map((row) => ({
    runId: row.run_id as string,
    command: row.command as string,
    at: (row.at as Date).toISOString(),
    status: row.status as string,
    tables: row.tables as number,
    tablesWithDifferences: row.bad as number,
    differingRows: Number(row.differing),
    sourceRows: Number(row.source_rows),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  }));
}
