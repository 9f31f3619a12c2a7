// The read before quick_check leaves the whole file in the OS page cache (what makes the check's page
// visits cache hits instead of random disk reads), and never fails where opening the file reports why.
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/extract/read-ahead.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('s2p-read-ahead-');

/** Bytes of the file in the page cache (util-linux fincore), or null without the tools. */
function residentBytes(file: string): number | null {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** Drops the file's pages from the page cache (GNU dd's nocache advice); false when it cannot. */
function evict(file: string): boolean {
  return spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0;
}

const file = path.join(dir, 'big.db');
// Written through to disk: the page cache drops only clean pages.
const fd = openSync(file, 'w');
writeSync(fd, Buffer.alloc(24 << 20, 1));
fsyncSync(fd);
closeSync(fd);
const canWatch = residentBytes(file) !== null && evict(file) && residentBytes(file)! < 1 << 20;

describe('readAhead', () => {
  it.runIf(canWatch)('brings an evicted file back into the page cache, every byte of it', () => {
    evict(file);
    expect(residentBytes(file)!).toBeLessThan(1 << 20);
    readAhead(file, 24 << 20);
    expect(residentBytes(file)).toBe(24 << 20);
  });

  it('is silent about a file it cannot open (opening the database says why)', () => {
    expect(() => readAhead(path.join(dir, 'missing.db'), 100)).not.toThrow();
  });
});
