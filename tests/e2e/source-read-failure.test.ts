// A source that fails while its rows are read (damaged pages, with --no-quick-check so nothing finds them
// first): exit 2 naming file, table and cause, never exit 3 with advice to resume (which would fail alike).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';

const fx = useFixtureTarget('s2p-srcfail-', { fixtures: false });

describe('a source damaged where only reading its rows finds it', () => {
  it('migrate --no-quick-check exits 2 naming file, table and cause, without advice to resume, leaving no empty table', async () => {
    const file = path.join(fx.dir, 'damaged.db');
    const d = new Database(file);
    d.pragma('page_size = 1024');
    d.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, t TEXT)');
    const ins = d.prepare('INSERT INTO big (t) VALUES (?)');
    for (let i = 0; i < 3000; i++) ins.run('y'.repeat(100));
    d.close();
    const mapping = path.join(fx.dir, 'mapping.json');
    expect((await runCli(['init', file, '--out', mapping])).code).toBe(0);
    // Overwrite the cell area of ten leaf pages near the end of the table's b-tree.
    const bytes = readFileSync(file);
    const pages = bytes.length / 1024;
    for (let p = pages - 20; p < pages - 10; p++) bytes.fill(0xab, p * 1024 + 8, p * 1024 + 200);
    writeFileSync(file, bytes);
    const r = await runCli([
      'migrate',
      '--mapping',
      mapping,
      '--source-dir',
      fx.dir,
      '--target',
      fx.db.url,
      '--no-quick-check',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /source damaged\.db, table big: reading its rows failed \(database disk image is malformed\)/,
    );
    expect(r.stderr).not.toMatch(/--mode resume/);
    expect(r.stderr).toMatch(/the empty tables this run created were dropped again \(damaged\.big, schema damaged\)/);
    expect(
      (await fx.db.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'damaged'"))
        .rows[0].n,
    ).toBe(0);
    expect((await fx.db.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'damaged'")).rows[0].n).toBe(
      0,
    );
    // The ledger records the run as failed, with the same words.
    const run = await fx.db.query(
      "SELECT status, error FROM sqlite2pg.runs WHERE command = 'migrate' ORDER BY started_at DESC LIMIT 1",
    );
    expect(run.rows[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/table big: reading its rows failed/),
    });
  });
});
