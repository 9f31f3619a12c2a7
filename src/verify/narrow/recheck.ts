// A differing row is read once more on both sides, outside verify's snapshots, before it is reported: the
// application may have written it while verify ran (dual-write). It is reported only if it still differs.
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { TablePlan } from '../../model/table-plan.js';
import { canonicalDigest, sourceRowsByKey, type CanonicalRow } from '../pass/source-side.js';
import { keyPredicate, keysCanBeLookedUp, targetRowsByKey } from './row-lookup.js';
import { differingValues, type Candidate } from './findings.js';
import type { FreshSides, TableContext } from '../pass/table-context.js';

export type { FreshSides } from '../pass/table-context.js';

/** Opens (lazily, one per file) the fresh source connections; `withClient` gives fresh target connections. */
export function openFreshSides(withClient: FreshSides['withClient']): FreshSides {
  const dbs = new Map<string, Database.Database | null>();
  return {
    sourceDb(plan) {
      if (!plan.sourceExists) return null;
      if (!dbs.has(plan.source.path)) {
        let db: Database.Database | null = null;
        try {
          db = new Database(plan.source.path, { readonly: true, fileMustExist: true, timeout: 5000 });
          db.defaultSafeIntegers(true);
        } catch {
          db = null; // the file went away: rows are reported as the snapshot found them
        }
        dbs.set(plan.source.path, db);
      }
      return dbs.get(plan.source.path)!;
    },
    withClient,
    close() {
      for (const db of dbs.values()) db?.close();
      dbs.clear();
    },
  };
}

/** Present, with values unknown (that side could not be read again): taken to be as first found. */
const AS_FOUND = Symbol('as found');
type Side = CanonicalRow | null | typeof AS_FOUND;

/**
 * Reads the candidates again and returns, per candidate, what to report now: null when the row settled
 * (equal now, gone from both sides, or within the --grace window on either side).
 */
export async function recheck(
  ctx: TableContext,
  fresh: FreshSides,
  candidates: readonly Candidate[],
): Promise<(Candidate | null)[]> {
  const { plan } = ctx;
  const db = fresh.sourceDb(plan);
  // An extra row has no source identity; when the key is the rowid, its source row is found by the key.
  const sourceKeys = candidates.map((c) => c.sourceKey ?? (c.kind === 'extra' && ctx.rowidKey ? c.key : null));
  const sources = db
    ? sourceRowsByKey(
        db,
        plan,
        ctx.source,
        sourceKeys.filter((k): k is string => k !== null),
      )
    : null;
  const targetKeys = keysCanBeLookedUp(plan)
    ? candidates.map((c) => c.key).filter((k): k is string => k !== null && keyPredicate(plan, [k]) !== null)
    : [];
  const lookedUp = new Set(targetKeys);
  const targets =
    targetKeys.length > 0
      ? await fresh.withClient((client) => targetRowsByKey(client, plan, targetKeys))
      : new Map<string, CanonicalRow>();

  return candidates.map((c, i) => {
    const sk = sourceKeys[i];
    const s: Side = sources && sk !== null ? (sources.get(sk) ?? null) : c.kind === 'extra' ? null : AS_FOUND;
    const t: Side =
      c.key !== null && lookedUp.has(c.key) ? (targets.get(c.key) ?? null) : c.kind === 'missing' ? null : AS_FOUND;
    const recent = (x: Side) => x !== null && x !== AS_FOUND && (ctx.recent?.(x.values) ?? false);
    if (recent(s) || recent(t)) return null;
    if (s === null && t === null) return null;
    if (t === null) return { kind: 'missing', key: c.key, sourceKey: c.sourceKey, invalidColumns: c.invalidColumns };
    if (s === null) return { kind: 'extra', key: c.key, sourceKey: null, ctid: c.ctid };
    if (s === AS_FOUND || t === AS_FOUND) return c; // one side could not be read again: as first found
    if (canonicalDigest(s) === canonicalDigest(t)) return null;
    const values = differingValues(plan.columns, s.values, t.values, s.invalid);
    return { kind: 'changed', key: c.key, sourceKey: s.sourceKey, columns: values.map((v) => v.column), values };
  });
}
