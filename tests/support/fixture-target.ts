// The setup most end-to-end tests share: a temporary folder (the fixture files generated into its `data`,
// unless a file makes its own sources), test databases and, when asked, a PostgreSQL server of its own;
// close() removes all of them.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateFixtures, type FixtureManifest, type FixtureOptions } from '../../fixtures/generate.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { startOwnServer, type OwnServer } from './faults.js';

export interface TargetOptions {
  /** The fixture files generated into `data` (the default, or with these generator options); false: no fixtures. */
  fixtures?: boolean | Omit<FixtureOptions, 'outDir'>;
  /** The folder under `dir` the fixtures go to: `data` unless named. */
  dataFolder?: string;
  /** A first database, `db` (the default); false: only those freshDb() makes. */
  database?: boolean;
  /** The folder's mode: 0o755 where the embedded server's postgres user (tests run as root) must reach it. */
  mode?: number;
  /** A PostgreSQL server of the file's own in `dir/pg` (the folder is then 0o755), stopped by close(). */
  ownServer?: boolean;
  /** Run by close() once the server is stopped, before the folder is removed (an unmount). */
  beforeRemove?: () => void;
}

export interface FixtureTarget {
  /** The temporary folder (tests may add files beside the fixtures). */
  dir: string;
  /** The folder of the fixture files (`dir/data` unless named). */
  data: string;
  /** What the generator placed in the fixtures (with `fixtures: false`, not set). */
  manifest: FixtureManifest;
  /** The first database (with `database: false`, not set). */
  db: TestDatabase;
  /** With `ownServer`: the server (its databases go with it). */
  server: OwnServer;
  /** A new test database of its own, dropped by close(). */
  freshDb(): Promise<TestDatabase>;
  close(): Promise<void>;
}

/** Makes the folder, the fixtures and the first database now; the caller calls close(). */
export async function fixturesAndDatabase(prefix: string, opts: TargetOptions = {}): Promise<FixtureTarget> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const dbs: TestDatabase[] = [];
  let server: OwnServer | undefined;
  const close = async () => {
    try {
      for (const db of dbs.splice(0)) await db.drop();
    } finally {
      try {
        server?.stop('immediate');
      } catch {
        /* already stopped (a test stopped it) */
      }
      try {
        opts.beforeRemove?.();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
  const freshDb = async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    return db;
  };
  try {
    const mode = opts.ownServer ? 0o755 : opts.mode;
    if (mode !== undefined) chmodSync(dir, mode);
    const data = path.join(dir, opts.dataFolder ?? 'data');
    const fixtures = opts.fixtures ?? true;
    const manifest =
      fixtures === false ? undefined : generateFixtures({ ...(fixtures === true ? {} : fixtures), outDir: data });
    const db = opts.database === false ? undefined : await freshDb();
    if (opts.ownServer) server = await startOwnServer(path.join(dir, 'pg'));
    return { dir, data, manifest: manifest!, db: db!, server: server!, freshDb, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The same for a whole test file (or describe block): made in a beforeAll registered now (before the file's
 * own, so they can use it) and closed in an afterAll. Call at the top level of the file or of the describe;
 * the fields are there from that hook on (a skipped block makes nothing).
 */
export function useFixtureTarget(prefix: string, opts: TargetOptions = {}): FixtureTarget {
  const target = {} as FixtureTarget;
  beforeAll(async () => {
    Object.assign(target, await fixturesAndDatabase(prefix, opts));
  });
  afterAll(() => target.close?.());
  return target;
}
