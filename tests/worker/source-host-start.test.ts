// A source worker whose code fails to load (a broken build) is an error within the start limit, not a main
// thread blocked on it until the stall limit: its 'error' event cannot reach a thread that waits synchronously.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SourceWorkers } from '../../src/worker/source-host.js';
import { tempDir } from '../support/temp-dir.js';

describe('SourceWorkers.start', () => {
  it('gives up on a worker whose code does not load, naming the cause, within the start limit', () => {
    const dir = tempDir('s2p-worker-start-');
    const db = path.join(dir, 'a.db');
    new Database(db).exec('CREATE TABLE t (x)').close();
    const broken = path.join(dir, 'broken-worker.mjs');
    writeFileSync(broken, "import './no-such-module.mjs';\n");
    expect(() =>
      SourceWorkers.start(
        [{ file: 'a.db', path: db }],
        { quickCheck: false, busyTimeoutMs: 1000 },
        () => {},
        broken,
        2_000,
      ),
    ).toThrow(/source worker did not start within 2 s: its code failed to load/);
  });
});
