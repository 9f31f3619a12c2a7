// SQLITE2PG_COPY_FORMAT=text is for a server or a proxy on the way that has no binary COPY: verify's
// streaming pass must then read the target side in the text format too, as the load writes it. The setting
// travels from the run's config to the source workers' target talliers, and from there into the SQL.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedMapping } from '../../src/mapping/load-mapping.js';
import type { TablePlan } from '../../src/model/table-plan.js';
import { openSources, type Sources } from '../../src/commands/session.js';
import { streamingCopySql } from '../../src/verify/pass/target-tally.js';
import { silentLogger } from '../../src/runtime/log.js';
import { tempDir } from '../support/temp-dir.js';

const plan = {
  columns: [
    { name: 'id', logical: 'int8' },
    { name: 'at', logical: 'timestamp' },
  ],
  primaryKey: ['id'],
  timestampColumns: ['at'],
  target: { schema: 's', table: 't' },
} as unknown as TablePlan;

let open: Sources | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

function hostedFormat(copyFormat: 'auto' | 'text' | undefined): string {
  const dir = tempDir('s2p-target-format-');
  new Database(path.join(dir, 'a.db')).exec('CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT)').close();
  const mapping = { mapping: { sources: [{ file: 'a.db' }] } } as unknown as LoadedMapping;
  open = openSources(mapping, { sourceDir: dir, quickCheck: false, copyFormat }, { log: silentLogger });
  return open.hosted('a.db')!.verify.target.format;
}

describe('the target side read format', () => {
  it('is binary by default and text under SQLITE2PG_COPY_FORMAT=text, in the source workers', () => {
    expect(hostedFormat('auto')).toBe('binary');
    expect(hostedFormat(undefined)).toBe('binary');
    expect(hostedFormat('text')).toBe('text');
  });

  it('decides the streaming COPY: binary, else text, and text for --grace (which reads values first)', () => {
    expect(streamingCopySql(plan, null, 'binary')).toMatch(/\) TO STDOUT \(FORMAT binary\)$/);
    expect(streamingCopySql(plan, null, 'text')).toMatch(/\) TO STDOUT$/);
    expect(streamingCopySql(plan, 1_700_000_000_000_000, 'binary')).toMatch(/\) TO STDOUT$/);
  });
});
