// Files that may carry rows (source backups, reports, HTML with sample rows) are created readable by their
// owner only, and the folders made for them likewise, whatever the umask: never wider than their source.
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** rw for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** rwx for the owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes `data` to `file` with `mode` (default 0600). A new file is created with that mode; an existing
 * regular file is narrowed to it before the new content goes in (it is replaced, so its old mode no longer
 * describes it). Devices and pipes (`--report /dev/stdout`) are written as they are.
 */
export function writePrivateFile(file: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): void {
  const fd = openSync(file, 'w', mode);
  try {
    if (fstatSync(fd).isFile()) fchmodSync(fd, mode); // the umask can only narrow the create mode; this makes it exact
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

/** Creates `file` empty with `mode`; fails if it exists (a backup never lands on someone else's file). */
export function createPrivateFile(file: string, mode = PRIVATE_FILE_MODE): void {
  const fd = openSync(file, 'wx', mode);
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` and any missing parents with mode 0700. Folders that exist already keep their mode: they
 * are the user's.
 */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // mkdirSync returns the first folder it created; every folder from there down to `dir` is new.
  const made: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    made.push(d);
    if (d === path.resolve(first) || path.dirname(d) === d) break;
  }
  for (const d of made) chmodSync(d, PRIVATE_DIR_MODE);
}
