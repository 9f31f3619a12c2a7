// sqlite2pg check: can this run work? The target connection and server version, each source file
// (present, intact, tables and row counts), and the target's state (schemas, tables, last run).
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT, exitCodeOf, type ExitCode } from '../model/errors.js';
import { commandMapping } from './command-mapping.js';
import { openSource, type OpenSource } from '../extract/open-source.js';
import { countRows, listTables } from '../extract/introspect.js';
import { buildRunPlan, planFromMapping } from '../plan/build-plan.js';
import { unaccounted } from '../model/inventory-entry.js';
import { openTarget } from './session.js';
import { ONE_CONNECTION } from '../run/connections.js';
import { inspectTargetTables } from '../load/apply-schema.js';
import { readHistory } from './history.js';
import { qualified } from '../pg/quote.js';
import { isAuthFailure } from '../pg/target.js';
import type { CommandResult } from './migrate.js';

interface SourceCheck {
  file: string;
  path: string;
  state: 'ok' | 'empty' | 'error';
  error?: string;
  tables: { name: string; rows: number; mapped: boolean }[];
}
interface TargetCheck {
  reachable: boolean;
  authFailed?: boolean;
  url?: string;
  serverVersion?: string;
  error?: string;
  tables: { name: string; exists: boolean; rows: number | null }[];
  lastRun?: unknown;
}

export async function runCheck(config: Config, log: Logger): Promise<CommandResult> {
  const loaded = commandMapping(config, log);
  const sources: SourceCheck[] = [];
  let worst: ExitCode = EXIT.ok;
  const stub = (file: string): OpenSource => ({ file, path: '', db: null, close() {} });
  const opened = new Map<string, OpenSource>();
  for (const s of loaded.mapping.sources) {
    const p = path.join(config.sourceDir, s.file);
    try {
      const src = openSource(s.file, p, { quickCheck: true, busyTimeoutMs: 2000 });
      opened.set(s.file, src);
      const mapped = new Set(s.tables.map((t) => t.source.toLowerCase()));
      const tables = src.db
        ? listTables(src.db).map((t) => ({
            name: t.name,
            rows: countRows(src.db!, t.name),
            mapped: mapped.has(t.name.toLowerCase()),
          }))
        : [];
      sources.push({ file: s.file, path: p, state: src.db ? 'ok' : 'empty', tables });
    } catch (err) {
      opened.set(s.file, stub(s.file));
      sources.push({ file: s.file, path: p, state: 'error', error: (err as Error).message, tables: [] });
      worst = exitCodeOf(err);
    }
  }
  let mappingProblem: string | null = null;
  // Rows the mapping neither maps nor excludes: exit 1, unless something worse (2, 3) is found.
  let lostRows = false;
  try {
    const lost = unaccounted(buildRunPlan(loaded, config.sourceDir, opened).inventory);
    if (lost.length) {
      mappingProblem = `source tables holding rows the mapping neither maps nor excludes (migrate and verify exit 1): ${lost.map((e) => `${e.file}:${e.name} (${e.rows ?? 'uncounted'} rows)`).join(', ')}`;
      lostRows = true;
    }
  } catch (err) {
    mappingProblem = (err as Error).message;
    worst = exitCodeOf(err);
  } finally {
    opened.forEach((o) => o.close());
  }
  const target: TargetCheck = { reachable: false, tables: [] };
  try {
    const session = await openTarget(config, log, ONE_CONNECTION);
    try {
      target.reachable = true;
      target.url = session.target.displayUrl;
      target.serverVersion = session.target.serverVersion;
      const client = await session.target.pool.connect();
      try {
        const plan = planFromMapping(loaded, config.sourceDir);
        const existing = await inspectTargetTables(client, plan);
        for (const t of plan.tables) {
          const present = existing.has(t.targetName);
          const rows = present
            ? Number(
                (await client.query(`SELECT count(*) AS n FROM ${qualified(t.target.schema, t.target.table)}`)).rows[0]
                  .n,
              )
            : null;
          target.tables.push({ name: t.targetName, exists: present, rows });
        }
        target.lastRun = (await readHistory(client, 1))[0] ?? null;
      } finally {
        client.release();
      }
    } finally {
      await session.close();
    }
  } catch (err) {
    target.error = (err as Error).message;
    if (isAuthFailure((err as Error).cause)) target.authFailed = true;
    if (worst === EXIT.ok) worst = exitCodeOf(err);
  }
  if (lostRows && worst === EXIT.ok) worst = EXIT.differences;
  const result = {
    command: 'check',
    status: worst === EXIT.ok ? 'ok' : 'failed',
    sources,
    mapping: mappingProblem ?? 'ok',
    target,
  };
  if (config.json) return { report: null, exitCode: worst, text: JSON.stringify(result, null, 2) };
  const lines: string[] = [];
  lines.push(
    target.reachable
      ? `target: ${target.url} — PostgreSQL ${target.serverVersion}`
      : target.authFailed
        ? `target: the server refused the login — ${target.error}`
        : `target: NOT reachable — ${target.error}`,
  );
  for (const t of target.tables) lines.push(`  ${t.name}: ${t.exists ? `${t.rows} rows` : 'not created yet'}`);
  for (const s of sources) {
    lines.push(
      `source ${s.file}: ${s.state === 'ok' ? 'ok (quick_check passed)' : s.state === 'empty' ? 'empty file (0 bytes): an empty source' : `PROBLEM — ${s.error}`}`,
    );
    for (const t of s.tables) lines.push(`  ${t.name}: ${t.rows} rows${t.mapped ? '' : ' (not mapped)'}`);
  }
  lines.push(`mapping: ${mappingProblem ?? 'fits the source files'}`);
  return { report: null, exitCode: worst, text: lines.join('\n') };
}
