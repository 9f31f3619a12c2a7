// The key guard keeps no set for a key SQLite already keeps unique (the rowid alias; a TEXT primary key
// mapped straight to text, when the column holds no BLOB), and keeps one otherwise.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generate.js';
import { loadMapping } from '../../src/mapping/load-mapping.js';
import { openSource, type OpenSource } from '../../src/extract/open-source.js';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { KeyGuard } from '../../src/feed/key-guard.js';
import type { RunPlan } from '../../src/model/table-plan.js';
import { tempDir } from '../support/temp-dir.js';

let dir: string;
let sources: Map<string, OpenSource>;
let plan: RunPlan;

beforeAll(() => {
  dir = tempDir('s2p-guard-');
  generateFixtures({ outDir: dir });
  const loaded = loadMapping(undefined);
  sources = new Map(
    loaded.mapping.sources.map((s) => [
      s.file,
      openSource(s.file, path.join(dir, s.file), { quickCheck: false, busyTimeoutMs: 100 }),
    ]),
  );
  plan = buildRunPlan(loaded, dir, sources);
});

afterAll(() => {
  for (const s of sources?.values() ?? []) s.close();
});

const tablePlan = (name: string) => plan.tables.find((t) => t.targetName === name)!;

describe('KeyGuard', () => {
  it('keeps no set for tier_metrics.item_id (TEXT PRIMARY KEY, no BLOB) nor for a rowid alias', () => {
    const tiers = tablePlan('continuum.tier_metrics');
    expect(KeyGuard.fromKeys(tiers, { byName: {} }, sources.get('continuum_memory.db')!.db).active).toBe(false);
    const cycles = tablePlan('rss.fetch_cycles');
    expect(cycles.foreignKeys).toHaveLength(0);
    expect(KeyGuard.fromKeys(cycles, { byName: {} }, sources.get('rss_fetch_history.db')!.db).active).toBe(false);
  });

  it('tracks the key when the column holds a BLOB, and rejects the BLOB that repeats a text key', () => {
    const file = path.join(dir, 'blob-key.db');
    const d = new Database(file);
    d.exec(`CREATE TABLE tier_metrics (item_id TEXT PRIMARY KEY, tier TEXT NOT NULL, surprise_score REAL, retrieval_count_7d INTEGER, retrieval_count_30d INTEGER,
      validator_overlap REAL, last_promoted_at TIMESTAMP, last_demoted_at TIMESTAMP, last_update_cycle INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)`);
    d.prepare('INSERT INTO tier_metrics (item_id, tier) VALUES (?, ?)').run('abc', 'L1');
    d.prepare('INSERT INTO tier_metrics (item_id, tier) VALUES (?, ?)').run(Buffer.from('abc'), 'L2');
    d.close();
    const src = openSource('continuum_memory.db', file, { quickCheck: false, busyTimeoutMs: 100 });
    try {
      const tiers = tablePlan('continuum.tier_metrics');
      const guard = KeyGuard.fromKeys(tiers, { byName: {} }, src.db);
      expect(guard.active).toBe(true);
      const row = (id: string) =>
        tiers.columns.map((c) => (c.name === 'item_id' ? id : c.name === 'tier' ? 'L1' : null));
      expect(guard.check(row('abc'))).toBeNull();
      expect(guard.check(row('abc'))).toMatchObject({ code: 'unique', column: 'item_id' });
    } finally {
      src.close();
    }
  });
});
