// The setup most end-to-end tests share: the fixture files generated into a temporary folder, and a
// test database of their own; close() removes both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFixtures } from '../../fixtures/generate.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

export interface FixtureTarget {
  /** The temporary folder (the fixtures are in its `data`; tests may add files beside). */
  dir: string;
  data: string;
  db: TestDatabase;
  close(): Promise<void>;
}

export async function fixturesAndDatabase(prefix: string): Promise<FixtureTarget> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    const data = path.join(dir, 'data');
    generateFixtures({ outDir: data });
    const db = await createTestDatabase();
    return {
      dir, data, db,
      close: async () => {
        await db.drop();
        removeDir();
      },
    };
  } catch (err) {
    removeDir();
    throw err;
  }
}

export interface FixtureTargets {
  dir: string;
  data: string;
  /** A new test database of its own, dropped by close(). */
  freshDb(): Promise<TestDatabase>;
  close(): Promise<void>;
}

/** The fixture files in a temporary folder, and as many test databases as the file asks for; close() removes all. */
export function fixturesAndDatabases(prefix: string): FixtureTargets {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const data = path.join(dir, 'data');
  const dbs: TestDatabase[] = [];
  try {
    generateFixtures({ outDir: data });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    data,
    freshDb: async () => {
      const db = await createTestDatabase();
      dbs.push(db);
      return db;
    },
    close: async () => {
      for (const db of dbs.splice(0)) await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
