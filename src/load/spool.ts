// Lines kept for a later COPY (rejects, recorded changes): in memory while small, in a temp file past a
// threshold, so a table where every row is rejected still loads in bounded memory.
import { appendFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

const MEMORY_LIMIT = 8 * 1024 * 1024;

export class Spool {
  private chunks: string[] = [];
  private bytes = 0;
  private file: string | null = null;
  count = 0;

  push(line: string): void {
    this.chunks.push(line);
    this.bytes += line.length;
    this.count++;
    if (this.bytes > MEMORY_LIMIT) this.spill();
  }

  private spill(): void {
    if (!this.file) this.file = path.join(mkdtempSync(path.join(tmpdir(), 'sqlite2pg-spool-')), 'lines');
    appendFileSync(this.file, this.chunks.join(''));
    this.chunks = [];
    this.bytes = 0;
  }

  /** Everything pushed, as one stream of bytes. */
  stream(): Readable {
    if (!this.file) return Readable.from([this.chunks.join('')]);
    this.spill();
    return createReadStream(this.file);
  }

  dispose(): void {
    if (this.file) rmSync(path.dirname(this.file), { recursive: true, force: true });
    this.file = null;
    this.chunks = [];
  }
}
