// An oracle for end-to-end tests: compares every loaded value in PostgreSQL with its SQLite source,
// asking PostgreSQL itself how the source text reads (so it shares no code with the loader or verifier).
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Mapping, MappingTable } from '../../src/model/mapping-types.js';

export interface ValueMismatch {
  table: string;
  key: string;
  column: string;
  source: unknown;
  target: string | null;
  expected: string | null;
}

/** pg hands every value back as the server's text: no JavaScript conversion in between. */
const rawTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

function sourceRows(
  db: Database.Database,
  table: string,
  key: string,
): { byKey: Map<string, Record<string, unknown>>; keyOfRowid: Map<string, string> } {
  const rows = db.prepare(`SELECT rowid AS __rowid, * FROM "${table}"`).safeIntegers(true).all() as Record<
    string,
    unknown
  >[];
  return {
    byKey: new Map(rows.map((r) => [String(r[key]), r])),
    keyOfRowid: new Map(rows.map((r) => [String(r.__rowid), String(r[key])])),
  };
}

/** What PostgreSQL makes of the source value for a column of type `type`, as text (null: cannot say). */
async function expectedText(client: pg.Client, type: string, v: unknown): Promise<string | null | undefined> {
  if (v === null) return null;
  if (type === 'text') return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  if (type === 'bigint') return typeof v === 'number' ? BigInt(v).toString() : String(v);
  if (type === 'double precision') {
    const n = Number(v);
    return n === Infinity ? 'Infinity' : n === -Infinity ? '-Infinity' : String(n);
  }
  if (type === 'jsonb')
    return (await client.query({ text: 'SELECT $1::jsonb::text AS v', values: [String(v)], types: rawTypes })).rows[0]
      .v;
  if (type === 'timestamp') {
    if (typeof v === 'bigint' || typeof v === 'number') {
      const n = Number(v);
      const seconds = Math.abs(n) < 1e11 ? String(v) : String(Number(v) / 1000);
      return (
        await client.query({
          text: "SELECT (to_timestamp($1::numeric) AT TIME ZONE 'UTC')::text AS v",
          values: [seconds],
          types: rawTypes,
        })
      ).rows[0].v;
    }
    const s = String(v);
    const hasOffset = /(Z|[+-]\d\d(:?\d\d)?)$/.test(s) && s.length > 10;
    const sql = hasOffset
      ? "SELECT ($1::timestamptz AT TIME ZONE 'UTC')::text AS v"
      : 'SELECT $1::timestamp::text AS v';
    return (await client.query({ text: sql, values: [s], types: rawTypes })).rows[0].v;
  }
  return undefined;
}

/**
 * For every row of `table` that is in the target, compares each column mapped from a source column.
 * Rows listed in `rejectedRowids` (source rowids, as sqlite2pg.rejects records them) must be absent from the target.
 */
export async function compareTable(
  client: pg.Client,
  db: Database.Database,
  schema: string,
  t: MappingTable,
  rejectedRowids: Set<string>,
): Promise<{ compared: number; mismatches: ValueMismatch[]; missing: string[]; unexpected: string[] }> {
  const key = t.primaryKey![0];
  const keyFrom = t.columns.find((c) => c.name === key)!.from!;
  const { byKey: source, keyOfRowid } = sourceRows(db, t.source, keyFrom);
  const rejected = new Set([...rejectedRowids].map((r) => keyOfRowid.get(r) ?? `rowid ${r}`));
  const target = await client.query({ text: `SELECT * FROM "${schema}"."${t.target}"`, types: rawTypes });
  const mismatches: ValueMismatch[] = [];
  const seen = new Set<string>();
  let compared = 0;
  for (const row of target.rows as Record<string, string | null>[]) {
    const k = String(row[key]);
    seen.add(k);
    const src = source.get(k);
    if (!src) continue;
    for (const c of t.columns) {
      if (!c.from) continue;
      const v = src[Object.keys(src).find((n) => n !== '__rowid' && n.toLowerCase() === c.from!.toLowerCase())!];
      const expected = await expectedText(client, c.type, v);
      if (expected === undefined) continue;
      compared++;
      if (expected !== row[c.name])
        mismatches.push({ table: t.target, key: k, column: c.name, source: v, target: row[c.name], expected });
    }
  }
  const missing = [...source.keys()].filter((k) => !seen.has(k) && !rejected.has(k));
  const unexpected = [...rejected].filter((k) => seen.has(k));
  return { compared, mismatches, missing, unexpected };
}

export function tablesOf(mapping: Mapping): { file: string; schema: string; table: MappingTable }[] {
  return mapping.sources.flatMap((s) => s.tables.map((table) => ({ file: s.file, schema: s.schema, table })));
}
