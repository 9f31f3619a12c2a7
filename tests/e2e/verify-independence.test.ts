// Independence: a conversion broken on purpose (a JSON big integer rounded, a timestamp shifted by an hour)
// must show up in migrate's closing verification as exactly the rows it damaged — the verifier derives its
// expectations from the source values, never from what the loader sent. The converter is broken in every
// thread of the real CLI (a module node preloads, NODE_OPTIONS=--import), the source workers included,
// where both the load's conversion and the verifier's source side run.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/model/run-report.js';
import { ROOT, runCli } from '../support/cli.js';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';

const fx = useFixtureTarget('s2p-indep-', { database: false });

/**
 * Runs a whole migrate with `rule`'s converter replaced by `broken`: JavaScript source of a function from
 * the original converter to the broken one, installed by a preloaded module in every thread.
 */
async function migrateWithBrokenConverter(
  rule: 'jsonb' | 'timestamp',
  broken: string,
): Promise<{ report: RunReport; exitCode: number; db: TestDatabase }> {
  const db = await fx.freshDb();
  const rules = pathToFileURL(path.join(ROOT, 'dist', 'src', 'transform', 'logical-types.js')).href;
  const patch = path.join(fx.dir, `break-${rule}.mjs`);
  writeFileSync(
    patch,
    `import { TYPE_RULES } from ${JSON.stringify(rules)};\nconst broken = ${broken};\nTYPE_RULES.${rule}.convert = broken(TYPE_RULES.${rule}.convert);\n`,
  );
  const r = await runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--no-quick-check', '--json'], {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(patch).href}` },
  });
  expect(r.json, r.stderr).not.toBeNull();
  return { report: r.json as RunReport, exitCode: r.code, db };
}

const BIG = /[0-9]{16,}/g;

describe('a conversion broken on purpose is caught by the verification', () => {
  it('JSON big integers rounded as JSON.parse would: exactly the rows holding one are changed, in metadata', async () => {
    const { report, exitCode, db } = await migrateWithBrokenConverter(
      'jsonb',
      String.raw`(convert) => (value, options) => {
      const r = convert(value, options);
      if (!r.ok || r.text === null || !/[0-9]{16,}/.test(r.text)) return r;
      return { ok: true, text: r.text.replace(/[0-9]{16,}/g, (digits) => BigInt(Number(digits)).toString()) };
    }`,
    );
    expect(exitCode).toBe(1);
    expect(report.status).toBe('differences');

    // Expected: the loaded source rows whose metadata holds 16+ digits that a double does not keep.
    const rejected = new Set(
      (
        await db.query(`SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = 'knowledge.knowledge_items'`)
      ).rows.map((r) => r.source_rowid as string),
    );
    const src = new Database(path.join(fx.data, 'knowledge_retention.db'), { readonly: true });
    const rows = src.prepare('SELECT id, metadata FROM knowledge_items').all() as { id: number; metadata: unknown }[];
    src.close();
    const damaged = rows
      .filter((r) => !rejected.has(String(r.id)))
      .filter((r) => {
        const text =
          typeof r.metadata === 'string' ? r.metadata : Buffer.isBuffer(r.metadata) ? r.metadata.toString('utf8') : '';
        return (text.match(BIG) ?? []).some((d) => BigInt(Number(d)).toString() !== d);
      })
      .map((r) => String(r.id));
    expect(damaged.length).toBeGreaterThan(0);

    const t = report.tables.find((x) => x.target === 'knowledge.knowledge_items')!;
    expect(t.checksum.match).toBe(false);
    expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: damaged.length });
    expect(t.differences.samples).toHaveLength(Math.min(20, damaged.length));
    for (const s of t.differences.samples) expect(damaged).toContain(s.key);
    for (const s of t.differences.samples) expect(s).toMatchObject({ kind: 'changed', columns: ['metadata'] });
    // Every other difference of the run is in a jsonb column too.
    for (const x of report.tables) for (const s of x.differences.samples) expect(s.columns).toEqual(['metadata']);
  });

  it('timestamps shifted by an hour: the rows holding one are changed, in those columns', async () => {
    // Only values whose seconds are 07 are shifted, so that some rows are damaged and others not.
    const { report, exitCode, db } = await migrateWithBrokenConverter(
      'timestamp',
      String.raw`(convert) => (value, options) => {
      const shifted = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):07(\.\d+)?$/;
      const r = convert(value, options);
      const m = r.ok && r.text !== null ? shifted.exec(r.text) : null;
      if (!m) return r;
      const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]) + 1, Number(m[5]), 7));
      return { ok: true, text: t.toISOString().slice(0, 19).replace('T', ' ') + (m[6] ?? '') };
    }`,
    );
    expect(exitCode).toBe(1);
    // A shift keeps the seconds: the damaged rows are the loaded ones with a :07 second in a timestamp column.
    const damaged = (
      await db.query(`SELECT id::text AS id, created_at::text ~ ':07(\\.|$)' AS c, last_accessed::text ~ ':07(\\.|$)' AS l
      FROM knowledge.knowledge_items WHERE created_at::text ~ ':07(\\.|$)' OR last_accessed::text ~ ':07(\\.|$)'`)
    ).rows;
    expect(damaged.length).toBeGreaterThan(0);
    const t = report.tables.find((x) => x.target === 'knowledge.knowledge_items')!;
    expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: damaged.length });
    for (const s of t.differences.samples) {
      const row = damaged.find((d) => d.id === s.key);
      expect(row, `key ${s.key}`).toBeDefined();
      expect(s.columns).toEqual([...(row.l ? ['last_accessed'] : []), ...(row.c ? ['created_at'] : [])]);
    }
  });
});
