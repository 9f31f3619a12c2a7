// Refusals leave the target exactly as it was — schemas, tables, rows, ledger and sequences: --mode fresh
// onto tables holding rows, and --mode resume onto rows sqlite2pg did not load. (--dry-run is
// tests/e2e/dry-run.test.ts, and a dry run of a resume is in tests/e2e/resume-kill.test.ts.)
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-refusals-');

async function expectRefusedUntouched(args: string[], why: RegExp): Promise<void> {
  const before = await targetSnapshot(fx.db);
  const r = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url, ...args]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(why);
  expect(await targetSnapshot(fx.db)).toEqual(before);
}

describe('refusals write nothing', () => {
  it('--mode fresh onto a table holding rows of its own (no ledger yet): exit 2, not even a ledger created', async () => {
    await fx.db.query(
      `CREATE SCHEMA rss; CREATE TABLE rss.fetch_cycles (id bigint, note text); INSERT INTO rss.fetch_cycles VALUES (1, 'the application''s')`,
    );
    await expectRefusedUntouched(
      [],
      /--mode fresh refuses target tables that already hold rows: rss\.fetch_cycles; use --mode truncate/,
    );
    expect((await fx.db.query(`SELECT to_regclass('sqlite2pg.runs') AS r`)).rows[0].r).toBeNull();
  });

  it('--mode resume onto rows sqlite2pg did not load: exit 2', async () => {
    await expectRefusedUntouched(
      ['--mode', 'resume'],
      /--mode resume will not replace rows sqlite2pg did not load: rss\.fetch_cycles/,
    );
  });

  it('--mode fresh onto a migrated target: exit 2, ledger and sequences included unchanged', async () => {
    await fx.db.query('DROP SCHEMA rss CASCADE');
    expect((await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url])).code).toBe(0);
    await expectRefusedUntouched(
      [],
      /--mode fresh refuses target tables that already hold rows: knowledge\.knowledge_items, /,
    );
  });
});
