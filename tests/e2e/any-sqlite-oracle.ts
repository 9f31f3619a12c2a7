// An oracle for the any-SQLite end-to-end tests: for every row of a mapped table, the value PostgreSQL
// holds is compared with the SQLite value it came from, by rules written here apart from src/ (PostgreSQL
// itself parses timestamps, JSON and decimals), and rejected rows must be absent.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { MappingTable } from '../../src/model/mapping-types.js';

export interface Mismatch {
  key: string;
  column: string;
  source: unknown;
  target: string | null;
  expected: string | null;
}

/** pg hands every value back as the server's text: no JavaScript conversion in between. */
const raw = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function pgText(client: pg.Client, sql: string, value: string): Promise<string> {
  return (await client.query({ text: sql, values: [value], types: raw })).rows[0].v;
}

/** Python's repr of a float (what a REAL in a text column becomes), for the values these tests use. */
function pyRepr(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? n.toFixed(1) : String(n);
}

/** The text PostgreSQL must print for source value `v` in a column of type `type`. */
async function expected(client: pg.Client, type: string, v: unknown): Promise<string | null> {
  if (v === null) return null;
  const num = typeof v === 'bigint' || typeof v === 'number';
  switch (type) {
    case 'bigint':
      return typeof v === 'number' ? BigInt(v).toString() : String(v);
    case 'double precision':
      return pgText(client, 'SELECT $1::float8::text AS v', String(v));
    case 'numeric':
      return pgText(client, 'SELECT $1::numeric::text AS v', String(v));
    case 'text':
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      return typeof v === 'number' ? pyRepr(v) : String(v);
    case 'boolean':
      return ['1', 'true', 't'].includes(String(v).toLowerCase()) ? 't' : 'f';
    case 'bytea':
      return `\\x${(Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')).toString('hex')}`;
    case 'jsonb':
      return pgText(client, 'SELECT $1::jsonb::text AS v', String(v));
    case 'date':
      return pgText(client, 'SELECT $1::date::text AS v', String(v));
    case 'timestamp':
    case 'timestamptz': {
      const zone = type === 'timestamptz' ? '' : " AT TIME ZONE 'UTC'";
      if (num) {
        const seconds = Math.abs(Number(v)) < 1e11 ? String(v) : String(Number(v) / 1000);
        return pgText(client, `SELECT (to_timestamp($1::numeric)${zone})::text AS v`, seconds);
      }
      const s = String(v);
      const offset = s.length > 10 && /(Z|[+-]\d\d(:?\d\d)?)$/.test(s);
      if (type === 'timestamptz') return pgText(client, `SELECT $1::timestamptz::text AS v`, offset ? s : `${s}+00`);
      return pgText(
        client,
        offset ? "SELECT ($1::timestamptz AT TIME ZONE 'UTC')::text AS v" : 'SELECT $1::timestamp::text AS v',
        s,
      );
    }
    default:
      throw new Error(`the oracle has no rule for ${type}`);
  }
}

/**
 * The source identity sqlite2pg records for a row (rejects.source_rowid): the rowid, or the primary key
 * as SQLite's quote() writes each value (`(a, b)` when composite). quote() writes a REAL its own way, so a
 * REAL key comes out NULL here, and the comparison refuses it rather than guess.
 */
function sourceKeySql(db: Database.Database, table: string): string {
  const wr = db
    .prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")
    .pluck()
    .get(table) as number;
  if (!wr) return '_rowid_';
  const pk = db
    .prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk')
    .pluck()
    .all(table) as string[];
  const lits = pk.map((c) => `CASE typeof(${q(c)}) WHEN 'real' THEN NULL ELSE quote(${q(c)}) END`);
  return lits.length === 1 ? lits[0] : `'(' || ${lits.join(" || ', ' || ")} || ')'`;
}

/**
 * Compares every target row of `t` (in `schema`) with its source row; rows whose source key is in
 * `rejected` must be absent. Columns come from a source column (`from`) or a SQLite expression (`expr`).
 */
export async function compareWithSource(
  client: pg.Client,
  db: Database.Database,
  schema: string,
  t: MappingTable,
  rejected: ReadonlySet<string>,
) {
  const cols = t.columns.filter((c) => c.from !== undefined || c.expr !== undefined);
  const key = sourceKeySql(db, t.source);
  const select = cols.map((c, i) => `${c.from !== undefined ? q(c.from) : `(${c.expr})`} AS c${i}`);
  const rows = db
    .prepare(`SELECT ${key} AS k, ${select.join(', ')} FROM ${q(t.source)}`)
    .raw(true)
    .safeIntegers(true)
    .all() as unknown[][];
  const pk = (t.primaryKey ?? []).map((p) => cols.findIndex((c) => c.name === p));
  const target = await client.query({
    text: `SELECT ${cols.map((c) => q(c.name)).join(', ')} FROM ${q(schema)}.${q(t.target)}`,
    types: raw,
    rowMode: 'array',
  });
  const byKey = new Map<string, (string | null)[]>(
    target.rows.map((r: (string | null)[]) => [JSON.stringify(pk.map((i) => r[i])), r]),
  );
  const mismatches: Mismatch[] = [];
  const missing: string[] = [];
  const unexpected: string[] = [];
  let compared = 0;
  for (const row of rows) {
    if (row[0] === null) throw new Error(`${t.source}: the oracle has no rule for a REAL key`);
    const sourceKey = String(row[0]);
    // One query at a time: a pg client queues overlapping queries, which pg@9 will refuse.
    const want: (string | null)[] = [];
    for (let i = 0; i < cols.length; i++) want.push(await expected(client, cols[i].type, row[i + 1]));
    const got = byKey.get(JSON.stringify(pk.map((i) => want[i])));
    if (rejected.has(sourceKey)) {
      if (got) unexpected.push(sourceKey);
      continue;
    }
    if (!got) {
      missing.push(sourceKey);
      continue;
    }
    cols.forEach((c, i) => {
      compared++;
      if (got[i] !== want[i])
        mismatches.push({ key: sourceKey, column: c.name, source: row[i + 1], target: got[i], expected: want[i] });
    });
  }
  return { rows: rows.length, targetRows: target.rows.length, compared, mismatches, missing, unexpected };
}
