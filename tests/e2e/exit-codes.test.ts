// Each exit code of the contract, from the real executable: 0 match, 1 differences, 2 bad input, 3 failed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MAPPING_PATH } from '../../src/mapping/load-mapping.js';
import { createTestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { copyFixtures, targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-exit-');

function variantDir(name: string, change: (d: string) => void): string {
  const d = copyFixtures(fx.data, path.join(fx.dir, name));
  change(d);
  return d;
}

describe('exit 2: bad invocation or bad input, nothing written to the target', () => {
  it('an unknown flag', async () => {
    const r = await runCli(['migrate', '--no-such-flag', '--target', fx.db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
  });

  it('a missing source file, named', async () => {
    const before = await targetSnapshot(fx.db);
    const d = variantDir('missing', (x) => rmSync(path.join(x, 'accuracy_scores.db')));
    const r = await runCli(['migrate', '--source-dir', d, '--target', fx.db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/source accuracy_scores\.db \(.*accuracy_scores\.db\) does not exist/);
    expect(await targetSnapshot(fx.db)).toEqual(before);
  });

  it('a file that is not a SQLite database, named', async () => {
    const before = await targetSnapshot(fx.db);
    const d = variantDir('notdb', (x) =>
      writeFileSync(path.join(x, 'continuum_memory.db'), 'id,tier\n1,L0\n'.repeat(200)),
    );
    const r = await runCli(['migrate', '--source-dir', d, '--target', fx.db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/source continuum_memory\.db .* is not a SQLite database/);
    expect(await targetSnapshot(fx.db)).toEqual(before);
  });

  it('an invalid mapping, with the place at fault', async () => {
    const m = JSON.parse(readFileSync(BUILTIN_MAPPING_PATH, 'utf8'));
    m.sources[0].tables[0].columns = m.sources[0].tables[0].columns.filter(
      (c: { name: string }) => c.name !== 'source',
    );
    const f = path.join(fx.dir, 'omits-a-column.json');
    writeFileSync(f, JSON.stringify(m));
    const r = await runCli(['migrate', '--source-dir', fx.data, '--mapping', f, '--target', fx.db.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/knowledge_retention\.db:knowledge_items: source column "source" has no target column/);
  });
});

describe('exit 3: the target fails', () => {
  it('an unreachable server, within seconds, password kept out of the message', async () => {
    const t0 = Date.now();
    const r = await runCli([
      'migrate',
      '--source-dir',
      fx.data,
      '--target',
      'postgresql://postgres:s3cr3t-pw@127.0.0.1:1/x',
      '--retries',
      '1',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x: connection refused/);
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});

describe('exit 1 and 0: differences and a match', () => {
  it('more rejects than --max-rejects allows is exit 1, with the report', async () => {
    const r = await runCli(['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--max-rejects', '3', '--json']);
    expect(r.code).toBe(1);
    expect(r.json.status).toBe('differences');
    expect(r.json.error).toMatch(/more than --max-rejects 3 rows rejected/);
  });

  it('a clean migrate is exit 0; a tampered target makes verify exit 1 naming the row', async () => {
    const clean = await createTestDatabase();
    try {
      const m = await runCli(['migrate', '--source-dir', fx.data, '--target', clean.url, '--mode', 'truncate']);
      expect(m.code).toBe(0);
      await clean.query(
        `UPDATE knowledge.knowledge_items SET content = content || '!' WHERE id = (SELECT min(id) FROM knowledge.knowledge_items)`,
      );
      const id = (await clean.query('SELECT min(id)::text AS id FROM knowledge.knowledge_items')).rows[0].id;
      const v = await runCli(['verify', '--source-dir', fx.data, '--target', clean.url, '--json']);
      expect(v.code).toBe(1);
      const t = v.json.tables.find((x: { target: string }) => x.target === 'knowledge.knowledge_items');
      expect(t.checksum.match).toBe(false);
      expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: 1 });
      expect(t.differences.samples).toEqual([
        {
          key: id,
          kind: 'changed',
          columns: ['content'],
          values: [{ column: 'content', source: expect.any(String), target: expect.any(String) }],
        },
      ]);
      const [{ source, target }] = t.differences.samples[0].values;
      // Long values are cut at 120 characters with their length given; the change is at the end.
      if (source.length <= 120) expect(target).toBe(`${source}!`);
      else
        expect(target.replace(/… \(([\d,]+) characters\)$/, '')).toBe(source.replace(/… \(([\d,]+) characters\)$/, ''));
      expect(v.json.tables.filter((x: { checksum: { match: boolean } }) => !x.checksum.match)).toHaveLength(1);
    } finally {
      await clean.drop();
    }
  });
});
