// Brings a source file into the OS page cache with one sequential read before `PRAGMA quick_check`,
// which visits the pages in b-tree order: on a file the OS has not cached, that is random reads, far
// slower than one sequential read followed by a check of pages already in memory. On a file already
// cached the read only costs a little CPU.
import { closeSync, openSync, readSync } from 'node:fs';
import { totalmem } from 'node:os';

const CHUNK_BYTES = 1 << 20;

/** Reads `path` (`size` bytes) once, front to back; skipped for a file too large to stay cached. */
export function readAhead(path: string, size: number): void {
  // More than a quarter of the RAM would evict its own start (four files read at once): quick_check reads it itself.
  if (size > totalmem() / 4) return;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // opening the database reports why the file cannot be read
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    while (readSync(fd, buffer, 0, CHUNK_BYTES, null) > 0);
  } catch {
    // a read error is the check's to report, with SQLite's words
  } finally {
    closeSync(fd);
  }
}
