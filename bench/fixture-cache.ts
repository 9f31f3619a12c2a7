// The benchmark's input: the four legacy files with clean values, generated once per (rows, seed) and
// cached, so repeated runs skip the minute the generator takes at full size.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateFixtures, type FixtureManifest } from '../fixtures/generate.js';

export interface BenchFixtures {
  dir: string;
  rows: number;
  seed: number;
  /** Rows in all tables, as a reader sees them (-wal included). */
  totalRows: number;
  /** Bytes of the SQLite files, -wal included: the denominator of MB/s. */
  totalBytes: number;
  manifest: FixtureManifest;
  /** Seconds the generator took, or null when the cache was used. */
  generatedInS: number | null;
}

function describe(
  dir: string,
  rows: number,
  seed: number,
  manifest: FixtureManifest,
  generatedInS: number | null,
): BenchFixtures {
  return {
    dir,
    rows,
    seed,
    manifest,
    generatedInS,
    totalRows: manifest.tables.reduce((n, t) => n + t.rows, 0),
    totalBytes: manifest.files.reduce((n, f) => n + f.bytes + (f.walBytes ?? 0), 0),
  };
}

/**
 * True when every file is as generated: a reader that opened the WAL file read-write would have checkpointed it away.
 */
function intact(manifest: FixtureManifest): boolean {
  return manifest.files.every(
    (f) =>
      existsSync(f.path) &&
      statSync(f.path).size === f.bytes &&
      (f.walBytes === undefined || existsSync(`${f.path}-wal`)),
  );
}

/** A short hash of the generator's compiled code: a changed generator means new fixtures. */
function generatorHash(): string {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
  const h = createHash('sha256');
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.js'))
    .sort())
    h.update(f).update(readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 8);
}

/**
 * The cached fixture folder for (rows, seed, generator version) under `outDir`, generated when missing
 * or changed; folders of older generator versions for the same (rows, seed) are removed. The manifest
 * is written last, so an interrupted generation is simply done again.
 */
export function ensureFixtures(outDir: string, rows: number, seed: number, log: (line: string) => void): BenchFixtures {
  const base = `rows-${rows}-seed-${seed}`;
  const dir = path.join(outDir, 'fixtures', `${base}-gen-${generatorHash()}`);
  const cacheRoot = path.dirname(dir);
  if (existsSync(cacheRoot)) {
    for (const old of readdirSync(cacheRoot).filter(
      (d) => d.startsWith(`${base}-gen-`) && path.join(cacheRoot, d) !== dir && !d.endsWith('.building'),
    )) {
      log(`removing fixtures of an older generator: ${old}`);
      rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
    }
  }
  const manifestPath = path.join(dir, 'bench-manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as FixtureManifest;
    if (intact(manifest)) return describe(dir, rows, seed, manifest, null);
    log(`fixture cache ${dir} changed since it was generated: generating it again`);
  }
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`generating fixtures (clean values, rows=${rows}, seed=${seed}) into ${dir}`);
  const t0 = performance.now();
  const generated = generateFixtures({ outDir: building, rows, seed, clean: true });
  const generatedInS = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  const manifest: FixtureManifest = {
    ...generated,
    files: generated.files.map((f) => ({ ...f, path: path.join(dir, f.file) })),
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return describe(dir, rows, seed, manifest, generatedInS);
}
