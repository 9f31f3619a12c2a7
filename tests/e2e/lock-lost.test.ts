// A migrate whose run-lock connection is ended mid-load (an administrator, idle_session_timeout, a proxy)
// while another run takes the lock: it stops its lanes at once, commits nothing after the loss, never
// takes the lock back, and says so; the other run's result stands. And when no other run came, it takes
// the lock back (the fence shows nobody ran in between) and finishes.
import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startPaused, waitFor, type PausedCli } from '../support/faults.js';

const fx = useFixtureTarget('s2p-lock-lost-', { database: false });
const freshDb = (): Promise<TestDatabase> => fx.freshDb();

/** The pid of the session holding the run lock in `db`, or null. */
async function lockHolder(db: TestDatabase): Promise<number | null> {
  const r = await db.query(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 1395069673 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return r.rows.length > 0 ? (r.rows[0].pid as number) : null;
}

const loadsOf = async (db: TestDatabase, runId: string) =>
  (
    await db.query(
      'SELECT target_table, finished_at FROM sqlite2pg.table_loads WHERE run_id = $1 ORDER BY target_table',
      [runId],
    )
  ).rows.map((r) => `${r.target_table} ${r.finished_at.toISOString()}`);

/**
 * Migrate A paused mid-COPY; its lock session terminated; A paused again as it goes to take the lock back.
 * Returns A, its run id, the loads it had committed, and a function giving its stderr so far.
 */
async function loseLockMidLoad(
  db: TestDatabase,
  at = 'copy:continuum.tier_audit',
): Promise<{ a: PausedCli; runA: string; committed: string[]; stderr: () => string }> {
  const a = startPaused(
    ['migrate', '--source-dir', fx.data, '--target', db.url, '--jobs', '1', '--json'],
    `${at},lock:retake`,
  );
  let stderr = '';
  a.child.stderr!.on('data', (d) => (stderr += d));
  await a.paused;
  const runA = (await db.query(`SELECT run_id FROM sqlite2pg.runs WHERE command = 'migrate'`)).rows[0].run_id as string;
  const committed = await loadsOf(db, runA);
  expect(committed.length).toBeGreaterThan(0); // tables committed before the loss, for the other run to act on
  const holder = await lockHolder(db);
  expect(holder).not.toBeNull();
  await db.query('SELECT pg_terminate_backend($1)', [holder]);
  await waitFor('A to go for the lock again', async () => stderr.includes('paused at lock:retake'), 30_000);
  return { a, runA, committed, stderr: () => stderr };
}

/** B started while A is paused: once B holds the lock, A carries on; both results. */
async function otherRunTakesTheLock(
  db: TestDatabase,
  a: PausedCli,
  args: string[],
): Promise<{ ra: CliResult; rb: CliResult }> {
  const b = runCli(args);
  await waitFor('the other run to hold the lock', async () => (await lockHolder(db)) !== null, 30_000);
  a.resume();
  const [ra, rb] = await Promise.all([a.done, b]);
  return { ra, rb };
}

const LOST_WORDS =
  /lost the run lock \(its connection ended: .*\) and another sqlite2pg run holds it now: this migrate stopped at once and committed nothing after the loss, so the two runs never interleave/;

describe('the run lock is lost mid-load', () => {
  it('a rollback takes it: the migrate stops (exit 3) without committing more, and the rollback stands', async () => {
    const db = await freshDb();
    const { a, runA, committed } = await loseLockMidLoad(db);
    const { ra, rb } = await otherRunTakesTheLock(db, a, ['rollback', '--target', db.url, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra.code, ra.stderr).toBe(3);
    expect(ra.stderr).toMatch(LOST_WORDS);
    expect(ra.stderr).not.toMatch(/taken back/);
    // Nothing committed after the loss, and the rollback's verdict not overwritten.
    expect(await loadsOf(db, runA)).toEqual(committed);
    const run = await db.query('SELECT status FROM sqlite2pg.runs WHERE run_id = $1', [runA]);
    expect(run.rows[0].status).toBe('rolled back');
    // The rollback removed what A had committed: A's tables were all its own (a fresh database), so they are gone.
    const left = await db.query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('knowledge', 'continuum', 'rss', 'accuracy')`,
    );
    expect(left.rows[0].n).toBe(0);
    expect(await lockHolder(db)).toBeNull();
  });

  it('a truncate migrate takes it: the first stops (exit 3), the second loads everything and verifies', async () => {
    const db = await freshDb();
    const { a, runA, committed } = await loseLockMidLoad(db);
    const { ra, rb } = await otherRunTakesTheLock(db, a, [
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      db.url,
      '--mode',
      'truncate',
      '--json',
    ]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra.code, ra.stderr).toBe(3);
    expect(ra.stderr).toMatch(LOST_WORDS);
    expect(ra.stderr).not.toMatch(/Release called on client/);
    expect(await loadsOf(db, runA)).toEqual(committed);
    const runs = await db.query(
      `SELECT run_id, status, error FROM sqlite2pg.runs WHERE command = 'migrate' ORDER BY started_at`,
    );
    expect(runs.rows.map((r) => r.status)).toEqual(['failed', 'ok']);
    expect(runs.rows[0].error).toMatch(LOST_WORDS);
    // Every table's current load is B's: none of A's commits came after B's.
    const runB = runs.rows[1].run_id;
    const latest = await db.query(
      `SELECT DISTINCT ON (target_table) target_table, run_id FROM sqlite2pg.table_loads ORDER BY target_table, finished_at DESC`,
    );
    for (const r of latest.rows) expect(r.run_id, r.target_table).toBe(runB);
    const v = await runCli(['verify', '--source-dir', fx.data, '--target', db.url]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('between two tables, a rollback runs to its end before the migrate notices: the migrate does not take the lock back, loads nothing more, and the rollback stands', async () => {
    const db = await freshDb();
    const { a, runA, committed } = await loseLockMidLoad(db, 'committed:continuum.tier_audit');
    const rb = await runCli(['rollback', '--target', db.url, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await lockHolder(db)).toBeNull(); // the lock is free again when the migrate carries on
    a.resume();
    const ra = await a.done;
    expect(ra.code, ra.stderr).toBe(3);
    expect(ra.stderr).toMatch(
      /lost the run lock \(its connection ended: .*\) and another sqlite2pg run took it meanwhile: this migrate stopped at once and committed nothing after the loss/,
    );
    expect(await loadsOf(db, runA)).toEqual(committed);
    expect((await db.query('SELECT status FROM sqlite2pg.runs WHERE run_id = $1', [runA])).rows[0].status).toBe(
      'rolled back',
    );
    const left = await db.query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('knowledge', 'continuum', 'rss', 'accuracy')`,
    );
    expect(left.rows[0].n).toBe(0);
    expect(await lockHolder(db)).toBeNull();
  });

  it('no other run came: the lock is taken back (nobody claimed the fence meanwhile) and the run finishes, exit 0', async () => {
    const db = await freshDb();
    const { a, runA } = await loseLockMidLoad(db);
    a.resume();
    const ra = await a.done;
    expect(ra.code, ra.stderr).toBe(0);
    expect(ra.stderr).toMatch(/run lock taken back on a new connection: no other run took it meanwhile/);
    const run = await db.query('SELECT status FROM sqlite2pg.runs WHERE run_id = $1', [runA]);
    expect(run.rows[0].status).toBe('ok');
  });
});
