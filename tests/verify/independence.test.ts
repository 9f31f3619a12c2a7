// The verifier must not run the loader's code: a loader bug would otherwise be repeated on both sides of the
// comparison and hash equal. Nor may the canonical form read JSON through JSON.parse, which rounds big numbers.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../../src/verify');
const all = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const canonical = all.filter((f) => f.startsWith('canonical-') || f === 'row-hash.ts');

/** Module specifiers a file loads at run time (`import type` is erased by the compiler, so it does not count). */
function valueImports(source: string): string[] {
  return [...source.matchAll(/^\s*import\s+(?!type\s)[^'"]*?['"]([^'"]+)['"]/gm), ...source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
}

describe('src/verify independence', () => {
  it.each(all)('%s runs nothing from src/transform', (file) => {
    const source = readFileSync(path.join(dir, file), 'utf8');
    expect(valueImports(source).filter((p) => p.includes('transform/'))).toEqual([]);
  });
  it.each(canonical)('%s imports nothing from src/transform, not even types, and never calls JSON.parse', (file) => {
    const source = readFileSync(path.join(dir, file), 'utf8');
    expect(source).not.toMatch(/from\s+['"][^'"]*transform\//);
    expect(source).not.toMatch(/JSON\.parse\s*\(/);
  });
});
