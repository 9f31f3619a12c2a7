// Where sqlite2pg's own files are, whether it runs compiled (dist/src/…) or from source under vitest (src/…):
// its schema/, and the compiled source worker every run's threads start from either way.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'schema', 'builtin-mapping.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('sqlite2pg: cannot find its schema/ folder');
    dir = up;
  }
  return dir;
}

/** The folder holding package.json, schema/ and fixtures/. */
export const PROJECT_ROOT = findRoot();
export const SCHEMA_DIR = path.join(PROJECT_ROOT, 'schema');

/** sqlite2pg's version, from its package.json (`--version`, and recorded with each run in the ledger). */
export const TOOL_VERSION: string = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;

/**
 * The source worker's entry (src/worker/source-worker.ts compiled by tsc): a thread runs JavaScript only, so
 * the TypeScript sources under vitest start the same compiled worker the CLI does (the tests' global
 * setup builds dist/ first).
 */
export const SOURCE_WORKER_ENTRY = path.join(PROJECT_ROOT, 'dist', 'src', 'worker', 'source-worker.js');
