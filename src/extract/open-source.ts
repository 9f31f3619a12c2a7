// Opens one SQLite source file read-only and pins a consistent snapshot of it (one read transaction),
// refusing clearly — naming the file — when it is missing, unreadable, locked or not a database.
import { accessSync, constants, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SourceReadError } from '../model/errors.js';
import { readAhead } from './read-ahead.js';
import { quickCheck } from './quick-check.js';

export interface OpenSource {
  file: string;
  path: string;
  /** Null for a 0-byte file: an empty source with no tables. */
  db: Database.Database | null;
  /** Ends the read transaction and closes the file. */
  close(): void;
  /** What opening could not check (quick_check of indexes using a collation this reader lacks). */
  warnings?: string[];
}

export interface OpenOptions {
  /** Run PRAGMA quick_check (reads every page) before trusting the file. */
  quickCheck: boolean;
  /** How long to wait for a writer's lock before giving up, in ms. */
  busyTimeoutMs: number;
}

function explain(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'SQLITE_NOTADB':
      return 'is not a SQLite database';
    case 'SQLITE_CORRUPT':
      return `is corrupt (${e.message})`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'is locked by a writer (retry when the application is idle, or switch it to WAL mode)';
    case 'SQLITE_CANTOPEN':
      return 'cannot be opened (check that the file and its folder are readable; a WAL database needs its -shm file or a writable folder)';
    case 'SQLITE_IOERR_SHORT_READ':
    case 'SQLITE_IOERR':
      return `cannot be read (${e.message})`;
    default:
      return `cannot be read (${e.code ?? ''} ${e.message ?? String(err)})`.replace(/\( /, '(');
  }
}

/**
 * Opens `path` read-only and starts a read transaction, so every table of the file is read from the
 * same snapshot even while the application writes (in WAL mode, rows still in `-wal` included).
 */
export function openSource(file: string, path: string, options: OpenOptions): OpenSource {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SourceReadError(`source ${file} (${path}) is not a file`, { file });
    size = st.size;
    accessSync(path, constants.R_OK);
  } catch (err) {
    if (err instanceof SourceReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : `cannot be read (${code})`;
    throw new SourceReadError(`source ${file} (${path}) ${why}`, { file });
  }
  if (size === 0) return { file, path, db: null, close: () => {} };

  let db: Database.Database;
  let warnings: string[] = [];
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs });
  } catch (err) {
    throw new SourceReadError(`source ${file} (${path}) ${explain(err)}`, { file }, { cause: err });
  }
  try {
    db.defaultSafeIntegers(true);
    // Rows are read once, in key order: SQLite's own default page cache (2 MB) is plenty, where
    // better-sqlite3's build default (16 MB per connection, filled by quick_check) counts in the RSS.
    db.pragma('cache_size = -2000');
    db.exec('BEGIN');
    // The snapshot starts at the first read of the transaction.
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    if (options.quickCheck) {
      readAhead(path, size);
      const checked = quickCheck(db);
      warnings = checked.warnings;
      if (checked.problems.length > 0) {
        throw Object.assign(new Error(checked.problems.slice(0, 3).join('; ')), { code: 'SQLITE_CORRUPT' });
      }
    }
  } catch (err) {
    db.close();
    throw new SourceReadError(`source ${file} (${path}) ${explain(err)}`, { file }, { cause: err });
  }
  return {
    file,
    path,
    db,
    warnings,
    close() {
      if (!db.open) return;
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}
