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
