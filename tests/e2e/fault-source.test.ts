// Faults of the SQLite sources: missing, not a database, truncated, corrupt pages, locked by a writer,
// unreadable, a WAL with rows not yet checkpointed, a 0-byte file. A file that cannot be read is exit 2,
// named, with nothing written to the target; what can be read is read from one consistent snapshot, and
// the files are never written.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { copyFixtures, fileStates, serverOwner, startPaused, targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-fault-source-', { mode: 0o755 });
let variants = 0;

/** A copy of the fixture files with `change` applied to it. */
function variant(change: (d: string) => void): string {
  const d = copyFixtures(fx.data, path.join(fx.dir, `v${++variants}`));
  chmodSync(d, 0o755);
  change(d);
  return d;
}

/** Runs migrate on `sourceDir`; expects exit 2 naming `file`, and a target exactly as it was. */
async function expectRefused(sourceDir: string, file: string, why: RegExp): Promise<string> {
  const before = await targetSnapshot(fx.db);
  const r = await runCli(['migrate', '--source-dir', sourceDir, '--target', fx.db.url]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(`source ${file} (${path.join(sourceDir, file)})`);
  expect(r.stderr).toMatch(why);
  expect(await targetSnapshot(fx.db)).toEqual(before);
  return r.stderr;
}

describe('a source that cannot be read: exit 2, the file named, nothing written to the target', () => {
  it('a missing file', async () => {
    await expectRefused(
      variant((d) => rmSync(path.join(d, 'accuracy_scores.db'))),
      'accuracy_scores.db',
      /does not exist/,
    );
  });

  it('a file that is not a SQLite database', async () => {
    await expectRefused(
      variant((d) => writeFileSync(path.join(d, 'continuum_memory.db'), 'id,tier\n1,L0\n'.repeat(500))),
      'continuum_memory.db',
      /is not a SQLite database/,
    );
  });

  it('a truncated file', async () => {
    const d = variant((x) => {
      const f = path.join(x, 'knowledge_retention.db');
      truncateSync(f, Math.floor(statSync(f).size / 2));
    });
    await expectRefused(d, 'knowledge_retention.db', /is corrupt|cannot be read|malformed/);
  });

  it('corrupt pages (found by PRAGMA quick_check)', async () => {
    const d = variant((x) => {
      const f = path.join(x, 'accuracy_scores.db');
      const pageSize = readFileSync(f).readUInt16BE(16);
      // Garbage over the middle of the file's pages, the header (page 1) intact.
      const fd = openSync(f, 'r+');
      const pages = Math.floor(statSync(f).size / pageSize);
      for (let p = Math.floor(pages / 3); p < Math.floor(pages / 3) + 3; p++)
        writeSync(fd, Buffer.alloc(200, 0xa5), 0, 200, p * pageSize + 8);
      closeSync(fd);
    });
    await expectRefused(d, 'accuracy_scores.db', /is corrupt/);
  });

  it('a file locked by a writer (an EXCLUSIVE lock in rollback-journal mode)', async () => {
    const d = variant(() => {});
    const writer = new Database(path.join(d, 'knowledge_retention.db'));
    try {
      expect(writer.pragma('journal_mode', { simple: true })).toBe('delete');
      writer.exec('BEGIN EXCLUSIVE');
      writer.exec('UPDATE knowledge_items SET source = source WHERE id = (SELECT min(id) FROM knowledge_items)');
      await expectRefused(d, 'knowledge_retention.db', /is locked by a writer/);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('a file the process may not read', async (ctx) => {
    const d = variant((x) => chmodSync(path.join(x, 'rss_fetch_history.db'), 0o000));
    const before = await targetSnapshot(fx.db);
    // root reads any file whatever its mode: as root, the child runs as the unprivileged postgres user.
    const asUser = process.getuid?.() === 0 ? serverOwner() : {};
    if (asUser === null) return ctx.skip(); // root without a postgres user: no unprivileged user to be
    const child = startPaused(['migrate', '--source-dir', d, '--target', fx.db.url], null, { HOME: d }, asUser);
    const r = await child.done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `source rss_fetch_history.db (${path.join(d, 'rss_fetch_history.db')}) is not readable (permission denied)`,
    );
    expect(await targetSnapshot(fx.db)).toEqual(before);
  });
});

describe('what can be read is read whole, from one snapshot, and never written', () => {
  it('a WAL with rows not yet checkpointed: those rows are loaded; no source file is written', async () => {
    const d = variant(() => {});
    // The main file alone (no -wal) holds fewer rows than the pair.
    const mainOnly = path.join(fx.dir, 'main-only');
    mkdirSync(mainOnly);
    copyFileSync(path.join(d, 'rss_fetch_history.db'), path.join(mainOnly, 'rss.db'));
    const inMain = new Database(path.join(mainOnly, 'rss.db'), { readonly: true });
    const mainRows = (inMain.prepare('SELECT count(*) AS n FROM rss_fetch_items').get() as { n: number }).n;
    inMain.close();
    const expected = fx.manifest.tables.find(
      (t) => t.file === 'rss_fetch_history.db' && t.table === 'rss_fetch_items',
    )!.rows;
    expect(mainRows).toBeLessThan(expected);

    const before = fileStates(d);
    const target = await createTestDatabase();
    try {
      const r = await runCli(['migrate', '--source-dir', d, '--target', target.url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(
        r.json.tables.find((t: { source: string }) => t.source === 'rss_fetch_history.db:rss_fetch_items').sourceRows,
      ).toBe(expected);
      expect(fileStates(d)).toEqual(before);
    } finally {
      await target.drop();
    }
  });

  it('an application writing meanwhile (WAL): its uncommitted rows are not read, its committed ones are', async () => {
    const d = variant(() => {});
    const app = new Database(path.join(d, 'rss_fetch_history.db'));
    const target = await createTestDatabase();
    try {
      app.pragma('wal_autocheckpoint = 0');
      const count = () => (app.prepare('SELECT count(*) AS n FROM rss_fetch_items').get() as { n: number }).n;
      const committed = count();
      app.exec('BEGIN IMMEDIATE');
      app.exec(
        'INSERT INTO rss_fetch_items (cycle_id, title, source_url, fetch_timestamp, status) SELECT cycle_id, title, source_url, fetch_timestamp, status FROM rss_fetch_items LIMIT 5',
      );
      const r = await runCli(['migrate', '--source-dir', d, '--target', target.url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(
        r.json.tables.find((t: { source: string }) => t.source === 'rss_fetch_history.db:rss_fetch_items').sourceRows,
      ).toBe(committed);
      app.exec('ROLLBACK');
    } finally {
      app.close();
      await target.drop();
    }
  });

  it('a 0-byte file is an empty source (as the application leaves it): named in the report, its tables empty', async () => {
    const d = variant((x) => writeFileSync(path.join(x, 'continuum_memory.db'), ''));
    const target = await createTestDatabase();
    try {
      const r = await runCli(['migrate', '--source-dir', d, '--target', target.url]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/continuum\.tier_metrics: empty source — the file is empty \(0 bytes\)/);
      expect(statSync(path.join(d, 'continuum_memory.db')).size).toBe(0);
    } finally {
      await target.drop();
    }
  });
});
