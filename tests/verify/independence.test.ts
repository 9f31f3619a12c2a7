// The verifier's canonical form is its own: it names nothing of the loader's conversion code, not even a type
// (tests/architecture.test.ts keeps the rest of verify away from the loader at run time), and it never reads
// JSON through JSON.parse, which rounds big numbers.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../../src/verify/canonical');
const canonical = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/verify/canonical independence', () => {
  it('holds the canonical form and the row hash', () => {
    expect(canonical).toEqual(expect.arrayContaining(['canonical-source.ts', 'canonical-pg.ts', 'row-hash.ts']));
  });
  it.each(canonical)('%s imports nothing from src/transform, not even types, and never calls JSON.parse', (file) => {
    const source = readFileSync(path.join(dir, file), 'utf8');
    expect(source).not.toMatch(/from\s+['"][^'"]*transform\//);
    expect(source).not.toMatch(/JSON\.parse\s*\(/);
  });
});
