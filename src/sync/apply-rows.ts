// Writes one table's differing rows inside its sync transaction: rows gone from the source deleted (only
// those sqlite2pg wrote), changed rows updated in place, new rows inserted. A row PostgreSQL refuses (a
// unique or foreign key) is rejected alone, as migrate's key checks reject it: that needs a savepoint per
// row, whose rows carry the savepoint's own xid, so it is done only when a first, plain try was refused.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { readRowsByKey, type SourceRow } from '../extract/read-rows.js';
import type { RowConverter } from '../transform/convert-row.js';
import { losslessRowJson, losslessValueJson } from '../transform/lossless-json.js';
import type { Candidate } from '../verify/narrow/findings.js';
import { insertChange, insertReject, type RecordPlace } from '../ledger/sync-ledger.js';
import { deleteSql, insertSql, keyTextsOfCanonical, updateSql, type Sql } from './row-sql.js';
import { emptyCounts, type SyncCounts } from './sync-counts.js';

/** PostgreSQL's refusals that reject one row (as migrate's key guard would); anything else fails the table. */
const ROW_REFUSALS: Record<string, string> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
};

export interface ApplyInput {
  client: pg.ClientBase;
  plan: TablePlan;
  db: Database.Database | null;
  convert: RowConverter;
  at: RecordPlace;
  /** Transactions whose rows sqlite2pg wrote: only those rows are deleted when gone from the source. */
  txids: string[];
  /** Source keys the earlier load rejected (a row of them that now loads is "reloaded"). */
  rejectedBefore: ReadonlySet<string>;
  /** Each row in a savepoint (after a plain try was refused); else a refusal throws RowRefused. */
  careful: boolean;
  /**
   * Rejects and changes go into the ledger (not in a dry run: their ids come from sequences, which a rollback
   * does not take back).
   */
  record: boolean;
}

/** A plain try met a row PostgreSQL refuses: the table is synced again, carefully. */
export class RowRefused extends Error {}

export interface Applied {
  counts: SyncCounts;
  /** Source keys whose rejects and changes this sync recorded anew. */
  processed: Set<string>;
  /** Careful: the xmin of every row written (each savepoint's xid), to tell them as sqlite2pg's later. */
  xmins: Set<string>;
}

type Outcome = { rows: number } | { refused: string; message: string };

/**
 * One statement: plain (a refusal throws RowRefused), or careful: in a savepoint, its row count or the
 * refusal that rolled it back alone, and the xmin of the rows it wrote.
 */
async function tryRow(client: pg.ClientBase, sql: Sql, careful: boolean, xmins: Set<string>): Promise<Outcome> {
  if (!careful) {
    try {
      return { rows: (await client.query(sql.text, sql.values)).rowCount ?? 0 };
    } catch (err) {
      if (ROW_REFUSALS[(err as { code?: string }).code ?? '']) throw new RowRefused((err as Error).message);
      throw err;
    }
  }
  await client.query('SAVEPOINT sqlite2pg_sync_row');
  try {
    const writes = !sql.text.startsWith('DELETE');
    const r = await client.query(writes ? `${sql.text} RETURNING xmin::text AS x` : sql.text, sql.values);
    await client.query('RELEASE SAVEPOINT sqlite2pg_sync_row');
    if (writes) for (const row of r.rows) xmins.add(row.x as string);
    return { rows: r.rowCount ?? 0 };
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT sqlite2pg_sync_row');
    const code = ROW_REFUSALS[(err as { code?: string }).code ?? ''];
    if (!code) throw err;
    return { refused: code, message: (err as Error).message };
  }
}

/** The source identity of a candidate (tables without a key name missing rows `rowid N` / `source key X`). */
export function sourceKeyOf(c: Candidate): string | null {
  if (c.sourceKey !== null) return c.sourceKey;
  if (c.kind === 'missing' && c.key !== null) return c.key.replace(/^(rowid|source key) /, '');
  return null;
}

/** Applies the candidates; deletes first (a changed key frees its unique values), then updates, then inserts. */
export async function applyRows(input: ApplyInput, candidates: readonly Candidate[]): Promise<Applied> {
  const { client, plan } = input;
  const counts = emptyCounts();
  const processed = new Set<string>();
  const xmins = new Set<string>();
  const keyed = plan.primaryKey.length > 0;
  const wanted = candidates.map(sourceKeyOf).filter((k): k is string => k !== null);
  const rows = new Map<string, SourceRow>(readRowsByKey(input.db, plan, wanted).map((r) => [r.key, r]));
  const sourceNames = plan.sourceColumns.map((c) => c.name);
  const rowJson = (r: SourceRow) => losslessRowJson(sourceNames, r.values.slice(0, sourceNames.length));
  const reject = async (r: SourceRow, column: string | null, code: string, reason: string) => {
    if (input.record) await insertReject(client, input.at, { key: r.key, column, code, reason, row: rowJson(r) });
    processed.add(r.key);
  };

  for (const c of candidates.filter((x) => x.kind === 'extra')) {
    const keyTexts = keyed && c.key !== null ? keyTextsOfCanonical(plan, c.key) : null;
    const at = c.ctid ? { ctid: c.ctid.replace(/^ctid /, '') } : keyTexts ? { keyTexts } : null;
    if (!at) {
      counts.extraLeft++;
      continue;
    }
    const out = await tryRow(client, deleteSql(plan, at, input.txids), input.careful, xmins);
    if ('refused' in out) counts.blocked++;
    else if (out.rows === 0) counts.extraLeft++;
    else counts.deleted++;
  }

  type Converted = ReturnType<RowConverter> & { ok: true };
  const inserts: { r: SourceRow; out: Converted }[] = [];
  const written = async (r: SourceRow, changes: Converted) => {
    processed.add(r.key);
    for (const ch of input.record ? (changes.changes ?? []) : [])
      await insertChange(client, input.at, {
        key: r.key,
        column: ch.column,
        policy: ch.policy,
        code: ch.code,
        reason: ch.reason,
        original: losslessValueJson(ch.original),
        written: ch.written,
      });
  };
  for (const c of candidates) {
    if (c.kind === 'extra') continue;
    const r = rows.get(sourceKeyOf(c) ?? '');
    if (!r) continue; // gone from the snapshot meanwhile: nothing to write
    const out = input.convert(r.values);
    if (c.kind === 'missing') {
      if (out.ok) inserts.push({ r, out });
      else {
        await reject(r, out.column, out.code, out.reason);
        if (input.rejectedBefore.has(r.key)) counts.stillRejected++;
        else counts.newlyRejected++;
      }
      continue;
    }
    // changed: updated in place, or (no longer writable) removed and rejected, never left with its old value
    const update = out.ok ? updateSql(plan, out.fields) : null;
    const done = update ? await tryRow(client, update, input.careful, xmins) : { rows: 0 };
    if (out.ok && 'rows' in done) {
      await written(r, out);
      if (done.rows > 0) counts.updated++;
      else counts.unchanged++;
      continue;
    }
    const keyTexts = c.key !== null ? keyTextsOfCanonical(plan, c.key) : null;
    const removed = keyTexts
      ? await tryRow(client, deleteSql(plan, { keyTexts }, null), input.careful, xmins)
      : { rows: 0 };
    if ('refused' in removed) {
      counts.blocked++;
      continue;
    }
    if (out.ok) await reject(r, null, (done as { refused: string }).refused, (done as { message: string }).message);
    else await reject(r, out.column, out.code, out.reason);
    counts.newlyRejected++;
  }

  // Inserts refused for a missing parent are tried again while any goes in (a row's parent in the same table).
  let pending = inserts;
  for (;;) {
    const again: typeof pending = [];
    const last: { r: SourceRow; refused: string; message: string }[] = [];
    for (const p of pending) {
      const out = await tryRow(client, insertSql(plan, p.out.fields), input.careful, xmins);
      if ('rows' in out) {
        await written(p.r, p.out);
        if (input.rejectedBefore.has(p.r.key)) counts.reloaded++;
        else counts.inserted++;
      } else if (out.refused === 'foreign_key') {
        again.push(p);
        last.push({ r: p.r, ...out });
      } else {
        await reject(p.r, null, out.refused, out.message);
        if (input.rejectedBefore.has(p.r.key)) counts.stillRejected++;
        else counts.newlyRejected++;
      }
    }
    if (again.length === 0 || again.length === pending.length) {
      for (const l of last) {
        await reject(l.r, null, l.refused, l.message);
        if (input.rejectedBefore.has(l.r.key)) counts.stillRejected++;
        else counts.newlyRejected++;
      }
      break;
    }
    pending = again;
  }
  return { counts, processed, xmins };
}
