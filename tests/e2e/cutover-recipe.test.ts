// The README's cutover recipe, run as written: its sqlite2pg lines are read from the README (only the source
// folder and the target are put in), an application writer runs through the migrate and the first sync, stops,
// then the final sync takes the fast path and verify exits 0 with every row the writer wrote in PostgreSQL.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { ROOT, runCli } from '../support/cli.js';
import { mismatches, startRssWriter } from '../support/sync-cli.js';

const fx = useFixtureTarget('s2p-cutover-', { database: false });

/** The recipe's steps: the sqlite2pg commands of the README's block after "The cutover recipe:", in order. */
function recipe(): { line: string; args: string[] }[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /The cutover recipe:\n+```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no cutover recipe block');
  return block[1]
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l.startsWith('sqlite2pg '))
    .map((line) => ({ line, args: line.split(/\s+/).slice(1) }));
}

describe("the README's cutover recipe", () => {
  it('runs as written with the application writing: the final sync is fast, verify exits 0', async () => {
    const steps = recipe();
    expect(steps.map((s) => s.args[0])).toEqual(['migrate', 'sync', 'sync', 'verify']);
    const d = await fx.freshDb();
    // The recipe's folder is the fixtures' folder here; its target comes from DATABASE_URL, as the recipe exports.
    const run = (args: string[]) =>
      runCli([...args.map((a) => (a === '/var/lib/app' ? fx.data : a)), '--json'], {
        env: { DATABASE_URL: d.url },
      });

    const writer = startRssWriter(path.join(fx.data, 'rss_fetch_history.db'), 'written during the cutover', 10);
    let whileWriting;
    try {
      whileWriting = [await run(steps[0].args), await run(steps[1].args)];
    } finally {
      writer.stop();
    }
    for (const [i, r] of whileWriting.entries()) expect(r.code, `${steps[i].line}\n${r.stderr}`).toBe(0);
    expect(writer.written()).toBeGreaterThan(0);

    const final = await run(steps[2].args);
    expect(final.code, final.stderr).toBe(0);
    const paths = final.json.tables.map((t: { target: string; compare: { path: string; reason: string | null } }) => [
      t.target,
      t.compare.path,
      t.compare.reason,
    ]);
    expect(paths.filter((p: string[]) => p[1] !== 'fast')).toEqual([]);

    const v = await run(steps[3].args);
    expect(v.code, mismatches(v.json)).toBe(0);
    const pg = await d.query(
      `SELECT count(*)::int AS n FROM rss.fetch_items WHERE item_title LIKE 'written during the cutover %'`,
    );
    expect(pg.rows[0].n).toBe(writer.written());
  });
});
