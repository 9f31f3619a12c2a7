// The README and docs/ point only at what exists: every relative link (and its #anchor, when it has one)
// and every repository path they name (`src/…`, `tests/…`, `docs/…`, `schema/…`, `fixtures/…`, `bench/…`,
// in backticks or not). A file moved or renamed in a refactor otherwise leaves the docs pointing at nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Where the bench writes its results and cached fixtures, and the build: git-ignored, made when run. */
const GENERATED = ['bench/out/', 'dist/'];

const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks, and the fenced lines apart (headings only count outside fences). */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading: its text without markup, lowercased, punctuation dropped, spaces → hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown text's headings make, a repeated one numbered as GitHub numbers it. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** `a/{b,c}/d` → `a/b/d`, `a/c/d`. */
function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]
    .split(',')
    .flatMap((alt) => expandBraces(p.slice(0, m.index) + alt.trim() + p.slice(m.index + m[0].length)));
}

/** What is wrong with the links and paths of one Markdown text (`file` is its place in the repository). */
function problems(file: string, text: string, exists = (p: string) => existsSync(path.join(ROOT, p))): string[] {
  const found: string[] = [];
  const dir = path.posix.dirname(file);
  const body = prose(text).join('\n');
  const linkedPaths = new Set<string>();

  for (const m of body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [rawPath, anchor] = target.split('#', 2);
    const linked = rawPath === '' ? file : path.posix.normalize(path.posix.join(dir, decodeURI(rawPath)));
    linkedPaths.add(linked);
    if (!exists(linked)) {
      found.push(`${file}: link to ${target}: ${linked} does not exist`);
      continue;
    }
    const linkedText = () => (linked === file ? text : readFileSync(path.join(ROOT, linked), 'utf8'));
    if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(linkedText()).has(anchor)) {
      found.push(`${file}: link to ${target}: ${linked} has no heading #${anchor}`);
    }
  }

  // A path of the repository's own folders, not part of a longer path or a URL (dist/src/cli.js is not src/).
  const PATH = /(?<![\w./~-])((?:src|tests|docs|schema|fixtures|bench)\/[\w.{},/*<>-]*)/g;
  for (const m of text.matchAll(PATH)) {
    const named = m[1].replace(/[.,:;]+$/, '');
    if (linkedPaths.has(named) || GENERATED.some((g) => named.startsWith(g)) || named.includes('<')) continue;
    for (const p of expandBraces(named)) {
      const fixed = p.includes('*') ? p.slice(0, p.indexOf('*')) : p;
      if (!exists(fixed)) found.push(`${file}: names ${named}: ${fixed} does not exist`);
    }
  }
  return [...new Set(found)];
}

describe('docs: no dangling links or paths', () => {
  it.each(DOCS)('%s links and names only what exists', (file) => {
    expect(problems(file, readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('the checker sees links, anchors and paths (it is not blind)', () => {
    const text = [
      '# Title',
      '## Where `it` goes, mostly',
      'See [rules](docs/data-rules.md), [here](#where-it-goes-mostly), [gone](docs/gone.md),',
      '[no such heading](#nowhere), the [site](https://example.com/src/none.ts) and `src/model/errors.ts`,',
      'src/model/missing.ts, `src/verify/{canonical,nope}`, dist/src/cli.js and `bench/out/results-<timestamp>.json`.',
      '```sh',
      '# a shell comment, not a heading; a link inside a fence is code: [x](gone.md)',
      '```',
    ].join('\n');
    expect(problems('README.md', text)).toEqual([
      'README.md: link to docs/gone.md: docs/gone.md does not exist',
      'README.md: link to #nowhere: README.md has no heading #nowhere',
      'README.md: names src/model/missing.ts: src/model/missing.ts does not exist',
      'README.md: names src/verify/{canonical,nope}: src/verify/nope does not exist',
    ]);
  });

  it('anchors are made as GitHub makes them', () => {
    expect(slug('The inventory: what became of every object')).toBe('the-inventory-what-became-of-every-object');
    expect(slug('Any SQLite file: `init`')).toBe('any-sqlite-file-init');
    expect(slug('Verification, nightly')).toBe('verification-nightly');
  });
});
