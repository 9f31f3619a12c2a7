// migrate --backup-dir: before anything else, a consistent online copy of each source file through
// SQLite's backup API, taken inside the same read transaction that pins the file's snapshot (so rows
// still in a -wal are included, and a writer working meanwhile changes nothing in the copy). The run
// then loads and verifies from these copies, and the ledger records their paths and sha256 checksums.
// The copies are no wider than their source: files 0600 (or the source's mode, when narrower), in a run
// folder made 0700, whatever the umask.
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SourceReadError, UsageError } from '../model/errors.js';
import { openSource } from './open-source.js';
import { createPrivateFile, makePrivateDir, PRIVATE_FILE_MODE } from '../runtime/private-files.js';

/** One source file's backup, as the ledger (sqlite2pg.runs.backups) records it. */
export interface SourceBackup {
  /** The file name the mapping uses. */
  file: string;
  /** Where the original is. */
  source: string;
  /** Where the copy is. */
  backup: string;
  bytes: number;
  /** sha256 of the copy's bytes, hex. */
  sha256: string;
  takenAt: string;
}

export interface BackupSet {
  /** The folder holding this run's copies: `--backup-dir`/<run id>/. */
  dir: string;
  files: SourceBackup[];
}

export interface BackupOptions {
  quickCheck: boolean;
  busyTimeoutMs: number;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copies one source; the original is opened read-only and never written. */
async function backupOne(file: string, source: string, dest: string, options: BackupOptions): Promise<SourceBackup> {
  const opened = openSource(file, source, options);
  // Owner-only, and no wider than the original (a 0400 source gives a 0400 copy, once written).
  const mode = PRIVATE_FILE_MODE & statSync(source).mode;
  try {
    // Made before SQLite opens it: SQLite would create it 0644 less the umask, and its journal likewise,
    // since it gives a journal the mode of its database file. A 0-byte file is an empty database: its
    // copy is one too.
    createPrivateFile(dest);
    if (opened.db !== null) {
      // All pages in one step: the copy is exactly the snapshot the read transaction pinned.
      await opened.db.backup(dest, { progress: () => 0x7fffffff });
    }
  } catch (err) {
    if (err instanceof SourceReadError) throw err;
    throw new SourceReadError(
      `source ${file} (${source}) could not be backed up to ${dest}: ${(err as Error).message}`,
      { file },
      { cause: err },
    );
  } finally {
    opened.close();
  }
  if (opened.db !== null) {
    // The copy keeps the original's journal mode; a WAL-mode copy would need -wal/-shm files beside it.
    // As a rollback-journal database it is one self-contained file, checksummed as it is.
    const copy = new Database(dest);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
  }
  if (mode !== PRIVATE_FILE_MODE) chmodSync(dest, mode);
  return {
    file,
    source,
    backup: dest,
    bytes: statSync(dest).size,
    sha256: await sha256Of(dest),
    takenAt: new Date().toISOString(),
  };
}

/**
 * Backs up each of `files` (names in `sourceDir`) into `backupRoot`/`runId`/. Fails with exit 2, naming
 * the file, when a source cannot be read: nothing has touched the target yet.
 */
export async function backupSources(
  files: string[],
  sourceDir: string,
  backupRoot: string,
  runId: string,
  options: BackupOptions,
): Promise<BackupSet> {
  const dir = path.join(backupRoot, runId);
  try {
    makePrivateDir(dir);
  } catch (err) {
    throw new UsageError(
      `--backup-dir ${backupRoot}: cannot create ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const out: SourceBackup[] = [];
  for (const file of files) out.push(await backupOne(file, path.join(sourceDir, file), path.join(dir, file), options));
  return { dir, files: out };
}
