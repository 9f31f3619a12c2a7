// Builds dist/ (the CLI the end-to-end tests run, and the source workers every migrate and verify starts,
// in-process tests included), then gives every test file a PostgreSQL server: $DATABASE_URL when set,
// otherwise an embedded one of our own in a temporary folder, stopped when the run ends. Tests make their
// own databases on it (see pg.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startEmbedded } from '../../src/pg/embedded.js';
import { SOURCE_WORKER_ENTRY } from '../../src/runtime/paths.js';
import { watchLeftovers } from './leftovers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // End-to-end tests run the real executable, and every run's source workers are compiled JavaScript, also
  // when a test runs a command in process: build first so neither is ever stale.
  // A type error still emits JavaScript; it is reported here and fails `npm run build` (and CI's npm ci).
  const tsc = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json')],
    { encoding: 'utf8' },
  );
  if (tsc.status !== 0) process.stderr.write(`tsc reported errors:\n${tsc.stdout}${tsc.stderr}`);
  if (!existsSync(SOURCE_WORKER_ENTRY))
    throw new Error(`the build left no source worker at ${SOURCE_WORKER_ENTRY}:\n${tsc.stdout}${tsc.stderr}`);
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    project.provide('pgUrl', fromEnv);
    const leftovers = watchLeftovers(ROOT, (run) => project.provide('testRun', run));
    return () => leftovers(fromEnv);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sqlite2pg-test-pg-'));
  const server = await startEmbedded(dir, { durable: false });
  project.provide('pgUrl', server.url);
  const leftovers = watchLeftovers(ROOT, (run) => project.provide('testRun', run));
  return async () => {
    try {
      await leftovers(server.url);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
