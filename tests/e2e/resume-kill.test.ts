// kill -9 at every kind of moment of a migrate — while the schema is made, during a COPY, between tables,
// during key, index and foreign-key builds, while sequences are set — then --mode resume: every row
// exactly once, verification passing, and the ledger telling the interrupted run and where resume began.
import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { lockReleased, startPaused, targetSnapshot, waitFor } from '../support/faults.js';

const fx = useFixtureTarget('s2p-resume-', { database: false });

/** The point the last killAt paused at (a `*` spec resolved to the table's name). */
let pausedAt = '';

/** Starts a migrate that pauses at `point`, waits for the pause, checks `during`, then kills it with SIGKILL. */
async function killAt(db: TestDatabase, point: string, args: string[], during?: () => Promise<void>): Promise<string> {
  const child = startPaused(['migrate', '--source-dir', fx.data, '--target', db.url, ...args], point);
  const at = await child.paused;
  pausedAt = at;
  await during?.();
  child.kill();
  const end = await child.done;
  expect(end.signal, end.stderr).toBe('SIGKILL');
  await lockReleased(db);
  // The killed run is the newest: it stays 'running' in the ledger (history shows it as interrupted).
  const runs = await db.query(`SELECT run_id, status FROM sqlite2pg.runs ORDER BY started_at DESC LIMIT 1`);
  expect(runs.rows[0].status, `the run killed at ${at}`).toBe('running');
  return runs.rows[0].run_id as string;
}

/** The ledger's view of the killed run: history says interrupted; its committed tables hold exactly their rows. */
async function checkInterrupted(db: TestDatabase, runId: string): Promise<string[]> {
  const h = await runCli(['history', '--target', db.url, '--json']);
  expect(h.code).toBe(0);
  const entry = h.json.runs.find((r: { runId: string }) => r.runId === runId);
  expect(entry.status).toBe('interrupted');
  const loads = await db.query(
    'SELECT target_table, loaded_rows::int AS n FROM sqlite2pg.table_loads WHERE run_id = $1 ORDER BY 1',
    [runId],
  );
  expect(entry.tables).toBe(loads.rows.length);
  for (const l of loads.rows) {
    const c = await db.query(
      `SELECT count(*)::int AS n FROM ${l.target_table
        .split('.')
        .map((p: string) => `"${p}"`)
        .join('.')}`,
    );
    expect(c.rows[0].n, `${l.target_table}: a committed table holds exactly the rows its ledger record says`).toBe(l.n);
  }
  return loads.rows.map((r) => r.target_table as string);
}

/**
 * Resumes and checks: exit 0, kept tables as the killed run committed them, every row once, keys and sequences in
 * place.
 */
async function resumeAndCheck(db: TestDatabase, killedRun: string, committed: string[]): Promise<void> {
  const r = await runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--mode', 'resume', '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json.status).toBe('ok');
  for (const t of r.json.tables) {
    expect(t.keptFromRun, t.target).toBe(committed.includes(t.target) ? killedRun : null);
    expect(t.targetRows + t.rejectedRows, t.target).toBe(t.sourceRows);
    expect(t.checksum.match, t.target).toBe(true);
  }
  if (committed.length > 0) expect(r.json.resumedFrom).toBe(killedRun);
  const resumed = await db.query('SELECT resumed_from FROM sqlite2pg.runs WHERE run_id = $1', [r.json.runId]);
  expect(resumed.rows[0].resumed_from).toBe(committed.length > 0 ? killedRun : null);
  // Every row exactly once: each table has its primary key (so no key twice) and as many rows as the report says.
  for (const t of r.json.tables) {
    const [schema, table] = t.target.split('.');
    const pk = await db.query(
      `SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
      [`"${schema}"."${table}"`],
    );
    expect(pk.rows[0].n, `${t.target} has its primary key`).toBe(1);
    const c = await db.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
    expect(c.rows[0].n, t.target).toBe(t.targetRows);
    // Rejects of the load that put the rows there are counted once, not once per attempt.
    const loadRun = t.keptFromRun ?? r.json.runId;
    const rej = await db.query(
      'SELECT count(*)::int AS n, count(DISTINCT source_rowid)::int AS d FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2',
      [loadRun, t.target],
    );
    expect(rej.rows[0]).toEqual({ n: t.rejectedRows, d: t.rejectedRows });
  }
  const fks = await db.query(
    `SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace <> 'sqlite2pg'::regnamespace`,
  );
  expect(fks.rows[0].n).toBeGreaterThan(0);
  // Sequences past the largest key: the next insert cannot collide.
  const seq = await db.query(
    `SELECT last_value::bigint AS v, (SELECT max(id) FROM knowledge.knowledge_items) AS m FROM knowledge.knowledge_items_id_seq`,
  );
  expect(BigInt(seq.rows[0].v)).toBeGreaterThanOrEqual(BigInt(seq.rows[0].m));
}

describe('kill -9, then --mode resume', () => {
  it('during the first COPY: the table in flight rolls back, nothing half-loaded, resume loads everything once', async () => {
    const db = await fx.freshDb();
    const killed = await killAt(db, 'copy:knowledge.knowledge_items', ['--jobs', '1'], async () => {
      // Proof that the kill lands during the COPY: the server is receiving its rows (they may still be
      // on their way when the pause begins). Bytes, not tuples: on PostgreSQL 18 (the embedded server)
      // tuples_processed stayed 0 for the whole pause of this small table's COPY, its rows all sent.
      await waitFor('rows to reach the COPY', async () => {
        const p = await db.query(
          `SELECT bytes_processed::int AS n FROM pg_stat_progress_copy WHERE datname = current_database() AND relid = 'knowledge.knowledge_items'::regclass`,
        );
        expect(p.rows).toHaveLength(1);
        return p.rows[0].n > 0;
      });
    });
    const committed = await checkInterrupted(db, killed);
    expect(committed).not.toContain('knowledge.knowledge_items');
    const inFlight = await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items');
    expect(inFlight.rows[0].n).toBe(0);
    // A dry run of the resume changes nothing, schema and ledger included.
    const before = await targetSnapshot(db);
    const dry = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      db.url,
      '--mode',
      'resume',
      '--dry-run',
      '--json',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await targetSnapshot(db)).toEqual(before);
    await resumeAndCheck(db, killed, committed);
    const v = await runCli(['verify', '--source-dir', fx.data, '--target', db.url]);
    expect(v.code, v.stdout).toBe(0);
  });

  const points = [
    { point: 'schema', jobs: '1', what: 'while the schema is created' },
    { point: 'committed:knowledge.learning_sessions', jobs: '1', what: 'between two tables' },
    { point: 'copy:rss.fetch_items', jobs: '2', what: 'during a COPY while another table loads beside it' },
    { point: 'keys:*', jobs: '2', what: 'during key and index builds' },
    { point: 'foreign-keys:*', jobs: '2', what: 'during foreign key builds' },
    { point: 'sequences:*', jobs: '2', what: 'while sequences are set' },
  ];
  it.each(points)('$what ($point)', async ({ point, jobs }) => {
    const db = await fx.freshDb();
    const killed = await killAt(db, point, ['--jobs', jobs]);
    const committed = await checkInterrupted(db, killed);
    if (point.startsWith('committed:')) expect(committed).toContain(point.slice('committed:'.length));
    // A table's keys, indexes and foreign keys are built in its lane once its rows have committed, while
    // the other lane may still be loading: the paused table is committed, the one beside it may not be.
    if (point === 'keys:*' || point === 'foreign-keys:*')
      expect(committed).toContain(pausedAt.slice(pausedAt.indexOf(':') + 1));
    if (point === 'sequences:*') expect(committed).toHaveLength(11);
    await resumeAndCheck(db, killed, committed);
  });

  it('killed again during the resume: the next resume still ends with every row once', async () => {
    const db = await fx.freshDb();
    const first = await killAt(db, 'committed:knowledge.knowledge_items', ['--jobs', '1']);
    const firstCommitted = await checkInterrupted(db, first);
    const second = await killAt(db, 'copy:*', ['--mode', 'resume', '--jobs', '1']);
    const secondCommitted = await checkInterrupted(db, second);
    expect(firstCommitted.length).toBeGreaterThan(0);
    const r = await runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--mode', 'resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const t of r.json.tables) {
      const expected = secondCommitted.includes(t.target) ? second : firstCommitted.includes(t.target) ? first : null;
      expect(t.keptFromRun, t.target).toBe(expected);
    }
    const v = await runCli(['verify', '--source-dir', fx.data, '--target', db.url, '--json']);
    expect(v.code).toBe(0);
    expect(v.json.tables.every((t: { checksum: { match: boolean } }) => t.checksum.match)).toBe(true);
  });
});
