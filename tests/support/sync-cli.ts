// What the sync tests share: writing a SQLite file as the application would, an application writer that keeps
// writing on a timer, and reading a sync's --json report per table.
import Database from 'better-sqlite3';

/** Runs `fn` on the SQLite file opened read-write, as the application would, and closes it. */
export function writeSqlite<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * An application writing to rss_fetch_history.db every `everyMs`: an insert titled `<title> N` and an update
 * of one of the first 40 rows. `written()` is how many inserts it made.
 */
export function startRssWriter(file: string, title: string, everyMs: number) {
  const s = new Database(file, { timeout: 5000 });
  const insert = s.prepare(
    `INSERT INTO rss_fetch_items (cycle_id, title, source_url, fetch_timestamp, status) VALUES (1, ?, 'https://example.com/feed', '2024-09-01 10:00:00', 'new')`,
  );
  const update = s.prepare(
    `UPDATE rss_fetch_items SET status = 'seen', summary = ? WHERE id = (SELECT min(id) FROM rss_fetch_items) + ?`,
  );
  let n = 0;
  const timer = setInterval(() => {
    n++;
    insert.run(`${title} ${n}`);
    update.run(`summary ${n}`, n % 40);
  }, everyMs);
  return {
    written: () => n,
    stop: () => {
      clearInterval(timer);
      s.close();
    },
  };
}

/** One table of a sync's --json report. */
export interface SyncTableJson {
  target: string;
  sync: Record<string, number>;
  compare: {
    path: 'fast' | 'full';
    reason: string | null;
    segments: { total: number; read: number };
    noBaseline?: string | null;
  };
  accounting?: { rejected: number; policyChanges: number };
  status: string;
}

/** The report's entry for a target table. */
export const tableOf = (json: { tables: SyncTableJson[] }, name: string) => json.tables.find((t) => t.target === name)!;

/** The report's tables that do not match, as JSON (an assertion's message). */
export const mismatches = (json: { tables: { status: string }[] } | null) =>
  JSON.stringify(json?.tables?.filter((t) => t.status !== 'match'));
