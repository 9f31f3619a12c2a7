// The main thread's handle on a SQLite file hosted by a source worker: the few better-sqlite3 calls the
// rest of sqlite2pg makes (prepare, raw/pluck/safeIntegers, all/get), each answered synchronously by the
// worker on its snapshot. Planning, row counts and verify's row look-ups keep their synchronous code; only
// the bulk jobs (load feed, source tally) are asynchronous and stay in the worker.
import type Database from 'better-sqlite3';
import type { SyncRequest } from './protocol.js';

/** Sends one request to the worker and waits for its reply (source-host.ts). */
export type SyncCall = (req: SyncRequest) => unknown;

/** A Buffer comes back from another thread as a plain Uint8Array: make it a Buffer again, in rows too. */
function revive(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = revive(o[k]);
  }
  return v;
}

class RemoteStatement {
  #raw = false;
  #pluck = false;
  #safe: boolean | null = null;

  constructor(
    readonly call: SyncCall,
    readonly file: string,
    readonly source: string,
  ) {}

  raw(on = true): this {
    this.#raw = on;
    if (on) this.#pluck = false;
    return this;
  }

  pluck(on = true): this {
    this.#pluck = on;
    if (on) this.#raw = false;
    return this;
  }

  safeIntegers(on = true): this {
    this.#safe = on;
    return this;
  }

  #run(method: 'all' | 'get', args: unknown[]): unknown {
    return revive(
      this.call({
        op: 'run',
        file: this.file,
        sql: this.source,
        method,
        raw: this.#raw,
        pluck: this.#pluck,
        safe: this.#safe,
        args,
      }),
    );
  }

  all(...args: unknown[]): unknown[] {
    return this.#run('all', args) as unknown[];
  }

  get(...args: unknown[]): unknown {
    return this.#run('get', args);
  }
}

/**
 * A stand-in for the file's better-sqlite3 Database on the main thread. `prepare` checks the SQL at once
 * (as better-sqlite3 does: a mapping expression that does not run is refused while planning).
 */
export function remoteDatabase(call: SyncCall, file: string): Database.Database {
  const db = {
    prepare(sql: string) {
      call({ op: 'prepare', file, sql });
      return new RemoteStatement(call, file, sql);
    },
  };
  return db as unknown as Database.Database;
}
