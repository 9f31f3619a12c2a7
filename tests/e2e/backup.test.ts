// migrate --backup-dir: a consistent online copy of each source first (SQLite's backup API), its path and
// sha256 in the ledger and the report, and the run loading and verifying from those copies — so rows an
// application writes after the backup are not half in the load.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { copyFixtures, fileStates, startPaused, targetSnapshot } from '../support/faults.js';

// The generated fixtures stay in `gen`: each test works on a copy of them.
const fx = useFixtureTarget('s2p-backup-', { dataFolder: 'gen' });

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const rowsOf = (file: string, table: string) =>
  fx.manifest.tables.find((t) => t.file === file && t.table === table)!.rows;

describe('migrate --backup-dir', () => {
  it('copies each source, records paths and checksums, and loads from the copies while the application keeps writing', async () => {
    const data = copyFixtures(fx.data, path.join(fx.dir, 'data'));
    const backups = path.join(fx.dir, 'backups');
    const before = fileStates(data);
    const child = startPaused(
      ['migrate', '--source-dir', data, '--target', fx.db.url, '--backup-dir', backups, '--json'],
      'backed-up',
    );
    await child.paused;
    // The application commits new rows after the backup, while the run is about to read.
    const app = new Database(path.join(data, 'rss_fetch_history.db'));
    try {
      app.pragma('wal_autocheckpoint = 0');
      app.exec(
        'INSERT INTO rss_fetch_items (cycle_id, title, source_url, fetch_timestamp, status) SELECT cycle_id, title, source_url, fetch_timestamp, status FROM rss_fetch_items LIMIT 7',
      );
      child.resume();
      const r = await child.done;
      expect(r.code, `${r.signal} ${r.stderr}`).toBe(0);
      const report = r.json as {
        runId: string;
        tables: { source: string; sourceRows: number; checksum: { match: boolean } }[];
        backups: { file: string; source: string; backup: string; sha256: string; bytes: number }[];
      };
      // Loaded (and verified) from the backup: the rows written after it are not in this run.
      expect(report.tables.find((t) => t.source === 'rss_fetch_history.db:rss_fetch_items')!.sourceRows).toBe(
        rowsOf('rss_fetch_history.db', 'rss_fetch_items'),
      );
      expect(report.tables.every((t) => t.checksum.match)).toBe(true);

      // One folder per run, one self-contained file per source (no -wal beside it), checksums that match.
      const runDir = path.join(backups, report.runId);
      expect(readdirSync(runDir).sort()).toEqual([
        'accuracy_scores.db',
        'continuum_memory.db',
        'knowledge_retention.db',
        'rss_fetch_history.db',
      ]);
      const ledger = await fx.db.query('SELECT backups, source_dir FROM sqlite2pg.runs WHERE run_id = $1', [
        report.runId,
      ]);
      expect(ledger.rows[0].backups).toEqual(report.backups);
      expect(ledger.rows[0].source_dir).toBe(runDir);
      for (const b of report.backups) {
        expect(b.source).toBe(path.join(data, b.file));
        expect(b.backup).toBe(path.join(runDir, b.file));
        expect(b.sha256).toBe(sha256(b.backup));
        expect(existsSync(`${b.backup}-wal`)).toBe(false);
      }
      // The copy of the WAL database holds the rows that were only in its -wal.
      const copy = new Database(path.join(runDir, 'rss_fetch_history.db'), { readonly: true });
      expect((copy.prepare('SELECT count(*) AS n FROM rss_fetch_items').get() as { n: number }).n).toBe(
        rowsOf('rss_fetch_history.db', 'rss_fetch_items'),
      );
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      copy.close();
      // The originals the run read were not written by it (the application wrote only the -wal).
      const after = fileStates(data);
      for (const f of ['knowledge_retention.db', 'continuum_memory.db', 'accuracy_scores.db', 'rss_fetch_history.db'])
        expect(after[f], f).toBe(before[f]);
    } finally {
      app.close();
    }
  });

  it('a source that cannot be read: exit 2 naming it, before anything touches the target', async () => {
    const data = copyFixtures(fx.data, path.join(fx.dir, 'data-missing'));
    rmSync(path.join(data, 'continuum_memory.db'));
    const target = await createTestDatabase();
    try {
      const before = await targetSnapshot(target);
      const r = await runCli([
        'migrate',
        '--source-dir',
        data,
        '--target',
        target.url,
        '--backup-dir',
        path.join(fx.dir, 'backups-2'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/source continuum_memory\.db \(.*\) does not exist/);
      expect(await targetSnapshot(target)).toEqual(before);
    } finally {
      await target.drop();
    }
  });

  it('backups, reports and HTML are no wider than their source, whatever the umask', async () => {
    const data = copyFixtures(fx.data, path.join(fx.dir, 'data-modes'));
    chmodSync(data, 0o700);
    for (const f of readdirSync(data)) chmodSync(path.join(data, f), 0o600);
    chmodSync(path.join(data, 'accuracy_scores.db'), 0o400); // narrower than 0600: its copy keeps it
    const made = path.join(fx.dir, 'made-by-run');
    const backups = path.join(made, 'backups'); // neither folder exists: the run makes both
    const reports = path.join(fx.dir, 'reports'); // the user's folder: left as it is
    mkdirSync(reports);
    chmodSync(reports, 0o755);
    const reportFile = path.join(reports, 'migrate.json');
    writeFileSync(reportFile, 'an older report');
    chmodSync(reportFile, 0o644); // replaced by this run's report, so narrowed too
    const target = await createTestDatabase();
    const mode = (f: string) => statSync(f).mode & 0o777;
    try {
      const r = await runCli(
        [
          'migrate',
          '--source-dir',
          data,
          '--target',
          target.url,
          '--backup-dir',
          backups,
          '--report',
          reportFile,
          '--json',
        ],
        { umask: '022' },
      );
      expect(r.code, r.stderr).toBe(0);
      const runDir = path.join(backups, r.json.runId);
      expect([made, backups, runDir].map(mode)).toEqual([0o700, 0o700, 0o700]);
      const modes = Object.fromEntries(readdirSync(runDir).map((f) => [f, mode(path.join(runDir, f))]));
      expect(modes).toEqual({
        'accuracy_scores.db': 0o400,
        'continuum_memory.db': 0o600,
        'knowledge_retention.db': 0o600,
        'rss_fetch_history.db': 0o600,
      });
      expect(mode(reportFile)).toBe(0o600);
      expect(JSON.parse(readFileSync(reportFile, 'utf8')).runId).toBe(r.json.runId);

      const html = path.join(reports, 'verify.html');
      const v = await runCli(
        ['verify', '--source-dir', data, '--target', target.url, '--format', 'html', '--out', html],
        { umask: '022' },
      );
      expect(v.code, v.stderr).toBe(0);
      expect(mode(html)).toBe(0o600);
      expect(readFileSync(html, 'utf8')).toContain('knowledge.knowledge_items');
      expect(mode(reports)).toBe(0o755);
    } finally {
      await target.drop();
    }
  });
});
