// Two runs against one target at once: the second migrate (or a rollback) is refused with exit 2 while
// the first holds the advisory lock, writes nothing, and the two never interleave.
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { startPaused } from '../support/faults.js';

const fx = useFixtureTarget('s2p-concurrency-', { database: false });

describe('two runs against the same target', () => {
  it('while a migrate is mid-COPY, a second migrate and a rollback exit 2 at once and write nothing', async () => {
    const db = await fx.freshDb();
    const first = startPaused(['migrate', '--source-dir', fx.data, '--target', db.url, '--json'], 'copy:*');
    await first.paused;
    const runsBefore = await db.query('SELECT run_id FROM sqlite2pg.runs');
    const t0 = Date.now();
    const second = await runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--mode', 'truncate']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /another sqlite2pg migrate or rollback is running against this target; this migrate refused/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    const rollback = await runCli(['rollback', '--target', db.url]);
    expect(rollback.code).toBe(2);
    expect(rollback.stderr).toMatch(/this rollback refused/);
    expect((await db.query('SELECT run_id FROM sqlite2pg.runs')).rows).toEqual(runsBefore.rows);
    // The history shows the first one running, not interrupted: it holds the lock.
    const h = await runCli(['history', '--target', db.url, '--json']);
    expect(h.json.runs[0].status).toBe('running');
    first.resume();
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect((await runCli(['verify', '--source-dir', fx.data, '--target', db.url])).code).toBe(0);
  });

  it('started at the same instant: each exits 0 or 2, and the runs that went ahead never overlap', async () => {
    const db = await fx.freshDb();
    expect((await runCli(['migrate', '--source-dir', fx.data, '--target', db.url])).code).toBe(0);
    for (let round = 0; round < 2; round++) {
      const both = await Promise.all(
        [0, 1].map(() => runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--mode', 'truncate'])),
      );
      for (const r of both) expect([0, 2], r.stderr).toContain(r.code);
      expect(both.some((r) => r.code === 0)).toBe(true);
    }
    const runs = await db.query(
      `SELECT started_at, finished_at, status FROM sqlite2pg.runs WHERE command = 'migrate' ORDER BY started_at`,
    );
    for (const r of runs.rows) expect(r.status).toBe('ok');
    for (let i = 1; i < runs.rows.length; i++)
      expect(runs.rows[i].started_at.getTime()).toBeGreaterThanOrEqual(runs.rows[i - 1].finished_at.getTime());
    expect((await runCli(['verify', '--source-dir', fx.data, '--target', db.url])).code).toBe(0);
  });
});
