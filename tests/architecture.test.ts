// Folders are layers: the pipeline reads extract → transform → feed → load, verify stands apart from the loader,
// and the target's plumbing (pg/, ledger/) lies below both. This test reads the imports of every source file
// and fails on any folder → folder edge the table below does not allow, on any cycle between folders, and on
// any path at run time from the verifier into the loader's code (a loader bug would otherwise be repeated on
// both sides of the comparison and hash equal).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** The folders each folder may import from (besides itself). `.` is src/ itself: the entry points. */
const ALLOWED: Record<string, readonly string[]> = {
  model: [],
  runtime: ['model'],
  pg: ['model', 'runtime'],
  ledger: ['model', 'runtime', 'pg'],
  extract: ['model', 'runtime'],
  transform: ['model'],
  mapping: ['model', 'runtime', 'transform'],
  init: ['model', 'runtime', 'extract', 'transform', 'mapping', 'pg'],
  plan: ['model', 'runtime', 'extract', 'transform', 'mapping', 'init'],
  feed: ['model', 'runtime', 'extract', 'transform', 'plan'],
  run: ['model', 'runtime', 'pg', 'ledger'],
  load: ['model', 'runtime', 'pg', 'ledger', 'extract', 'transform', 'plan', 'feed', 'run'],
  'verify/canonical': ['model'],
  'verify/pass': ['model', 'runtime', 'pg', 'extract', 'verify/canonical'],
  'verify/narrow': ['model', 'runtime', 'pg', 'extract', 'verify/canonical', 'verify/pass'],
  'verify/structure': ['model', 'pg', 'verify/canonical', 'verify/pass'],
  verify: [
    'model',
    'runtime',
    'pg',
    'ledger',
    'extract',
    'run',
    'verify/canonical',
    'verify/pass',
    'verify/narrow',
    'verify/structure',
  ],
  sync: [
    'model',
    'runtime',
    'pg',
    'ledger',
    'extract',
    'transform',
    'plan',
    'feed',
    'load',
    'run',
    'verify',
    'verify/canonical',
    'verify/pass',
    'verify/narrow',
    'verify/structure',
  ],
  report: ['model', 'runtime'],
  worker: ['model', 'runtime', 'pg', 'extract', 'feed', 'load', 'verify/pass'],
  commands: [
    'model',
    'runtime',
    'pg',
    'ledger',
    'extract',
    'mapping',
    'init',
    'plan',
    'feed',
    'load',
    'run',
    'verify',
    'verify/narrow',
    'report',
    'worker',
    'sync',
  ],
  '.': ['model', 'runtime', 'report', 'commands'],
};

/** Folders whose code must not reach the database drivers: pure values in, values out. */
const NO_DRIVERS = ['model', 'transform', 'verify/canonical'];
const DRIVERS = ['pg', 'better-sqlite3', 'pg-copy-streams'];

/** Code the verifier must never run, directly or through anything it imports. */
const LOADER = ['transform', 'feed', 'load'];

interface SourceFile {
  file: string;
  folder: string;
  /** Every module the file names (`import type` included), as files under src/ or package names. */
  imports: { target: string; runtime: boolean }[];
}

function folderOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'verify' && parts.length > 2) return `verify/${parts[1]}`;
  return parts[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function readImports(file: string): SourceFile['imports'] {
  const text = readFileSync(file, 'utf8');
  const found: SourceFile['imports'] = [];
  const add = (specifier: string, runtime: boolean) => {
    if (!specifier.startsWith('.')) return found.push({ target: specifier, runtime });
    const resolved = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
    if (!existsSync(resolved))
      throw new Error(`${path.relative(SRC, file)} imports ${specifier}, which does not exist`);
    found.push({ target: resolved, runtime });
  };
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm))
    add(m[3], !m[2]);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) add(m[1], true);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], true);
  // A worker's entry file is loaded by URL, which is an import like any other.
  for (const m of text.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) add(m[1], true);
  return found;
}

const files: SourceFile[] = sourceFiles(SRC).map((file) => ({
  file,
  folder: folderOf(file),
  imports: readImports(file),
}));
const byFile = new Map(files.map((f) => [f.file, f]));
const rel = (file: string) => path.relative(SRC, file);

describe('architecture: folders are layers', () => {
  it('every folder is in the table', () => {
    expect([...new Set(files.map((f) => f.folder))].filter((folder) => !(folder in ALLOWED))).toEqual([]);
  });

  it('every import between folders is an allowed edge', () => {
    const wrong: string[] = [];
    for (const f of files) {
      for (const { target } of f.imports) {
        if (!target.startsWith(SRC)) continue;
        const to = folderOf(target);
        if (to !== f.folder && !ALLOWED[f.folder]?.includes(to))
          wrong.push(`${rel(f.file)} → ${rel(target)} (${f.folder} → ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the allowed table itself has no cycle, so neither has the code', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (folder: string, trail: string[]) => {
      if (state.get(folder) === 'done') return;
      if (state.get(folder) === 'open') return void cycles.push([...trail, folder].join(' → '));
      state.set(folder, 'open');
      for (const next of ALLOWED[folder] ?? []) visit(next, [...trail, folder]);
      state.set(folder, 'done');
    };
    for (const folder of Object.keys(ALLOWED)) visit(folder, []);
    expect(cycles).toEqual([]);
  });

  it('nothing the verifier runs reaches the loader (transform, feed, load), however indirectly', () => {
    const reached = new Map<string, string>(); // file → the file that imported it
    const queue = files.filter((f) => f.folder.startsWith('verify')).map((f) => f.file);
    for (const start of queue) reached.set(start, start);
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const { target, runtime } of byFile.get(file)?.imports ?? []) {
        if (!runtime || !target.startsWith(SRC) || reached.has(target)) continue;
        reached.set(target, file);
        queue.push(target);
      }
    }
    const intoLoader = [...reached.keys()]
      .filter((f) => LOADER.includes(folderOf(f)))
      .map((f) => `${rel(reached.get(f)!)} → ${rel(f)}`);
    expect(intoLoader).toEqual([]);
  });

  it('pure folders import no database driver', () => {
    const wrong = files
      .filter((f) => NO_DRIVERS.includes(f.folder))
      .flatMap((f) => f.imports.filter((i) => DRIVERS.includes(i.target)).map((i) => `${rel(f.file)} → ${i.target}`));
    expect(wrong).toEqual([]);
  });

  it('reads the imports it checks (the parser is not blind)', () => {
    const feed = files.find((f) => rel(f.file) === path.join('feed', 'table-feed.ts'));
    expect(feed?.imports.some((i) => rel(i.target) === path.join('transform', 'convert-row.ts') && i.runtime)).toBe(
      true,
    );
    expect(files.length).toBeGreaterThan(100);
  });
});
