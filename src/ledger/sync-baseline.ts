// What a sync keeps of a table it left settled, for the next sync to trust (docs/sync.md, "The fast path"):
// the first-level segments' source checksums and row counts, and the target's fingerprint — its row count and
// how many of its rows sqlite2pg's own transactions wrote (by xmin), with the set of those transactions.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { qualified } from '../pg/quote.js';
import { writtenBySqlite2pg } from './sync-ledger.js';

/** A table's baseline, as the sync that settled it left it. */
export interface SyncBaseline {
  runId: string;
  mappingHash: string;
  /** The first-level segment spec (verify/pass/segments.ts's FirstLevelSpec, plain data: ledger does not see verify). */
  spec: unknown;
  /** What the sums are of: 'raw' (the values as SQLite holds them) or 'canonical' (verify's form). */
  digest: string;
  sourceRows: number;
  /** Per segment, the source side's 128-bit sum as four 32-bit limbs, and its row count (SegmentSums' arrays). */
  limbs: Float64Array;
  counts: Float64Array;
  fingerprint: TargetFingerprint;
}

/** The target table as a count can tell it: rows, rows sqlite2pg wrote, and which transactions those are. */
export interface TargetFingerprint {
  rows: number;
  ownRows: number;
  /** sha256 of the writer transaction ids (sorted): another writer of sqlite2pg's changes it. */
  writers: string;
}

const writersHash = (txids: readonly string[]) =>
  createHash('sha256')
    .update([...new Set(txids)].sort().join(','))
    .digest('hex');

/**
 * One scan, no row rendered: the table's row count and how many rows one of `txids` wrote. Anyone else's
 * update gives a row a new xmin, a delete lowers the count, an insert raises it.
 */
export async function targetFingerprint(
  client: pg.ClientBase,
  target: { schema: string; table: string },
  txids: readonly string[],
): Promise<TargetFingerprint> {
  const r = await client.query(
    `SELECT count(*)::text AS n, count(*) FILTER (WHERE ${writtenBySqlite2pg('$1')})::text AS own FROM ${qualified(target.schema, target.table)}`,
    [[...txids]],
  );
  return { rows: Number(r.rows[0].n), ownRows: Number(r.rows[0].own), writers: writersHash(txids) };
}

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const floats = (b: Buffer) => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float64Array(copy.buffer);
};

/** The baselines of these tables (none in a ledger older than the table: a dry run does not create it). */
export async function readBaselines(client: pg.ClientBase, tables: string[]): Promise<Map<string, SyncBaseline>> {
  const exists = await client.query("SELECT to_regclass('sqlite2pg.sync_baselines') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return new Map();
  const r = await client.query(
    `SELECT target_table, run_id, mapping_hash, segment_spec, source_digest, source_rows, segment_limbs, segment_counts, target_rows, own_rows, writers_sha256
       FROM sqlite2pg.sync_baselines WHERE target_table = ANY($1)`,
    [tables],
  );
  return new Map(
    r.rows.map((row) => [
      row.target_table as string,
      {
        runId: row.run_id as string,
        mappingHash: row.mapping_hash as string,
        spec: row.segment_spec as unknown,
        digest: row.source_digest as string,
        sourceRows: Number(row.source_rows),
        limbs: floats(row.segment_limbs as Buffer),
        counts: floats(row.segment_counts as Buffer),
        fingerprint: {
          rows: Number(row.target_rows),
          ownRows: Number(row.own_rows),
          writers: row.writers_sha256 as string,
        },
      },
    ]),
  );
}

/** In the table's sync transaction: the table's baseline is now this one. */
export async function saveBaseline(client: pg.ClientBase, table: string, b: SyncBaseline): Promise<void> {
  await client.query(
    `INSERT INTO sqlite2pg.sync_baselines (target_table, run_id, mapping_hash, segment_spec, source_digest, source_rows, segment_limbs, segment_counts, target_rows, own_rows, writers_sha256)
     VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (target_table) DO UPDATE SET run_id = EXCLUDED.run_id, mapping_hash = EXCLUDED.mapping_hash,
       segment_spec = EXCLUDED.segment_spec, source_digest = EXCLUDED.source_digest, source_rows = EXCLUDED.source_rows, segment_limbs = EXCLUDED.segment_limbs,
       segment_counts = EXCLUDED.segment_counts, target_rows = EXCLUDED.target_rows, own_rows = EXCLUDED.own_rows,
       writers_sha256 = EXCLUDED.writers_sha256, recorded_at = now()`,
    [
      table,
      b.runId,
      b.mappingHash,
      JSON.stringify(b.spec),
      b.sourceRows,
      bytes(b.limbs),
      bytes(b.counts),
      b.fingerprint.rows,
      b.fingerprint.ownRows,
      b.fingerprint.writers,
      b.digest,
    ],
  );
}

/** In the table's sync transaction: the table has no baseline (the next sync compares it in full). */
export async function dropBaseline(client: pg.ClientBase, table: string): Promise<void> {
  await client.query('DELETE FROM sqlite2pg.sync_baselines WHERE target_table = $1', [table]);
}
