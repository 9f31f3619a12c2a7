// migrate proves as it loads: verify's source tally made from the raw pages the load's feed read, then
// settled with the ledger's rejects and policy changes, must equal the separate pass's tally exactly.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/generate.js';
import { loadMapping } from '../../../src/mapping/load-mapping.js';
import { openSource, type OpenSource } from '../../../src/extract/open-source.js';
import { buildRunPlan } from '../../../src/plan/build-plan.js';
import { readRawPages, STREAM_PAGE_ROWS } from '../../../src/extract/read-rows.js';
import { rawRowKey } from '../../../src/extract/row-identity.js';
import { tableFeed } from '../../../src/feed/table-feed.js';
import { LoadTally, sourceTally } from '../../../src/verify/pass/source-tally.js';
import type { SourceSideOptions } from '../../../src/verify/pass/source-side.js';
import type { RunPlan, TablePlan } from '../../../src/model/table-plan.js';
import { tempDir } from '../../support/temp-dir.js';

let dir: string;
let sources: Map<string, OpenSource>;
let plan: RunPlan;

beforeAll(() => {
  dir = tempDir('s2p-load-tally-');
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

const dbOf = (t: TablePlan) => sources.get(t.source.file)!.db;

/** Every row's source key, in read order. */
function keysOf(t: TablePlan): string[] {
  return [...readRawPages(dbOf(t), t, STREAM_PAGE_ROWS)].flat().map((raw) => rawRowKey(t, raw));
}

/** The load's tally of a table, fed the pages as the feed reads them. */
function loadTally(t: TablePlan): LoadTally {
  const tally = new LoadTally(t);
  for (const page of readRawPages(dbOf(t), t, STREAM_PAGE_ROWS)) tally.addPage(page);
  tally.complete = true;
  return tally;
}

/** Some rows rejected, some changed (one both), one rejected key the table does not have. */
function ledgerFacts(t: TablePlan): SourceSideOptions {
  const keys = keysOf(t);
  const rejected = new Set([keys[0], keys[3], keys[keys.length - 1], t.hasRowid ? '987654321' : "'no such key'"]);
  const changes = new Map<string, Map<string, string | null>>();
  const nonKey = t.columns.filter((c) => !t.primaryKey.includes(c.name));
  const col = nonKey.find((c) => c.logical === 'text') ?? nonKey[0];
  if (col) for (const k of [keys[0], keys[1], keys[2], keys[5]]) changes.set(k, new Map([[col.name, null]]));
  return { rejected, changes };
}

describe('LoadTally', () => {
  it('settled with rejects and policy changes, equals the separate pass on every table', async () => {
    const tables = plan.tables.filter((t) => t.sourceExists && keysOf(t).length > 6);
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) {
      const opts = ledgerFacts(t);
      const separate = await sourceTally(dbOf(t), t, opts, { kind: 'rows' }, null);
      const settled = loadTally(t).settle(dbOf(t), opts);
      expect(settled, t.targetName).not.toBeNull();
      expect(settled!.acc, t.targetName).toEqual(separate.state.acc);
      expect(settled!.invalid, t.targetName).toBe(separate.state.invalid);
      expect(settled!.counts, t.targetName).toEqual(separate.counts);
      expect(separate.counts.rejected, t.targetName).toBe(3);
      // Nothing rejected or changed: the load's tally as it is.
      const none = { rejected: new Set<string>(), changes: new Map() };
      const plain = await sourceTally(dbOf(t), t, none, { kind: 'rows' }, null);
      expect(loadTally(t).settle(dbOf(t), none)!.acc, t.targetName).toEqual(plain.state.acc);
      // And the facts matter: the settled sum is not the unsettled one.
      expect(plain.state.acc, t.targetName).not.toEqual(separate.state.acc);
    }
  });

  it('declines to settle more rows by key than a pass would read', () => {
    const t = plan.tables.find((x) => x.sourceExists && keysOf(x).length > 100)!;
    const many = new Set(Array.from({ length: 2000 }, (_, i) => String(i + 1)));
    expect(loadTally(t).settle(dbOf(t), { rejected: many, changes: new Map() })).toBeNull();
  });

  it("is fed by the load's feed: the hook sees every row, raw, before any conversion", () => {
    const t = plan.tables.find((x) => x.sourceExists && x.foreignKeys.length === 0 && keysOf(x).length > 6)!;
    const tally = new LoadTally(t);
    let pages = 0;
    const feed = tableFeed(
      dbOf(t),
      t,
      { runId: 'test', defaults: new Map(), parents: { byName: {} }, format: 'text' },
      (page) => {
        pages++;
        tally.addPage(page);
      },
    );
    let seen = 0;
    for (const b of feed) seen += b.seen;
    expect(pages).toBeGreaterThan(0);
    expect(tally.rows).toBe(seen);
    expect(tally.acc.state()).toEqual(loadTally(t).acc.state());
  });
});
