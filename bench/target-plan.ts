// What the pipe and pgloader need to load the same target tables sqlite2pg loads, read from the real
// CLI (`sqlite2pg plan --json` and `plan --sql`), never re-derived: the DDL split into its pre-load part
// and its post-load statements, and per table a sqlite3 SELECT giving the target columns in order.
import { execFileSync } from 'node:child_process';

/** The part of `sqlite2pg plan --json` the bench reads (a subset of TablePlan). */
interface PlanJson {
  tables: {
    targetName: string;
    source: { file: string; path: string; table: string };
    target: { schema: string; table: string };
    sourceExists: boolean;
    sourceRows: number;
    autoincrementSeq: string | null;
    columns: {
      name: string;
      targetType: string;
      serial: boolean;
      source:
        | { kind: 'column'; name: string }
        | { kind: 'expr'; sql: string }
        | { kind: 'const'; value: string | number | boolean | null };
    }[];
  }[];
}

export interface PipeTable {
  targetName: string;
  targetSchema: string;
  targetTable: string;
  sourceTable: string;
  file: string;
  sourcePath: string;
  rows: number;
  /** sqlite3 query: the target columns, in order, as sqlite3 -csv should print them for COPY … CSV. */
  select: string;
  /** The same without the REAL fix: what a person would write first (see docs/performance.md). */
  naiveSelect: string;
  /** `"schema"."table" ("a", "b", …)`, the target of \copy. */
  copyTarget: string;
}

export interface PostLoadStatement {
  /** The table the statement alters (quoted `"schema"."table"`). */
  table: string;
  kind: 'key-or-index' | 'foreign-key';
  sql: string;
}

export interface TargetPlan {
  tables: PipeTable[];
  /** Schemas and tables, no keys or indexes: `plan --sql` up to its "Built after the load" line. */
  preLoadSql: string;
  postLoad: PostLoadStatement[];
  /** One statement per serial column: its sequence set past the largest key (and SQLite's AUTOINCREMENT mark). */
  sequenceSql: string[];
}

const POST_LOAD_MARK = '-- Built after the load:';

export const pgIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const sqliteIdent = pgIdent;
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * A target column as sqlite3 must print it. sqlite3 prints REAL with 15 significant digits ("%!.15g"),
 * which rounds most doubles: "%!.17g" round-trips every one (PostgreSQL's float8 input is exact).
 */
function selectItem(col: PlanJson['tables'][number]['columns'][number], fixReals: boolean): string {
  const s = col.source;
  if (s.kind === 'expr') return `(${s.sql})`;
  if (s.kind === 'const') {
    if (s.value === null) return 'NULL';
    if (typeof s.value === 'boolean') return s.value ? '1' : '0';
    return typeof s.value === 'number' ? String(s.value) : literal(s.value);
  }
  const c = sqliteIdent(s.name);
  const real = col.targetType === 'double precision' || col.targetType === 'real';
  return fixReals && real ? `CASE WHEN typeof(${c}) = 'real' THEN printf('%!.17g', ${c}) ELSE ${c} END` : c;
}

/** Splits the post-load script into statements: one-line CREATE INDEX …; or a DO $tag$ … END $tag$; block. */
export function splitPostLoad(sql: string): PostLoadStatement[] {
  const out: PostLoadStatement[] = [];
  let current: string[] = [];
  for (const line of sql.split('\n')) {
    if (current.length === 0 && line.trim() === '') continue;
    current.push(line);
    // A DO block is closed by END with its own dollar tag ($$, or $s2p$… as quote.ts dollarQuote picks it).
    const tag = /^DO (\$[A-Za-z0-9_]*\$)/.exec(current[0])?.[1];
    if ((tag && line.trim() === `END ${tag};`) || (!tag && line.trimEnd().endsWith(';'))) {
      const text = current.join('\n');
      const table =
        /ALTER TABLE ("(?:[^"]|"")+"\."(?:[^"]|"")+")/.exec(text)?.[1] ??
        / ON ("(?:[^"]|"")+"\."(?:[^"]|"")+") \(/.exec(text)?.[1];
      if (!table) throw new Error(`cannot tell which table this post-load statement alters:\n${text}`);
      out.push({ table, kind: /FOREIGN KEY/.test(text) ? 'foreign-key' : 'key-or-index', sql: text });
      current = [];
    }
  }
  if (current.length) throw new Error(`unterminated post-load statement:\n${current.join('\n')}`);
  return out;
}

/** Reads the plan and the DDL from the CLI at `cliPath` for the sources in `sourceDir`. */
export function readTargetPlan(cliPath: string, sourceDir: string): TargetPlan {
  const run = (args: string[]) =>
    execFileSync(process.execPath, [cliPath, ...args, '--source-dir', sourceDir], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  const plan = JSON.parse(run(['plan', '--json'])) as PlanJson;
  const ddl = run(['plan', '--sql']);
  const mark = ddl.indexOf(POST_LOAD_MARK);
  if (mark < 0) throw new Error(`sqlite2pg plan --sql has no "${POST_LOAD_MARK}" line: the bench cannot split the DDL`);
  const tables = plan.tables
    .filter((t) => t.sourceExists)
    .map((t): PipeTable => {
      const qualified = `${pgIdent(t.target.schema)}.${pgIdent(t.target.table)}`;
      const from = ` FROM ${sqliteIdent(t.source.table)}`;
      return {
        targetName: t.targetName,
        targetSchema: t.target.schema,
        targetTable: t.target.table,
        sourceTable: t.source.table,
        file: t.source.file,
        sourcePath: t.source.path,
        rows: t.sourceRows,
        select: `SELECT ${t.columns.map((c) => selectItem(c, true)).join(', ')}${from}`,
        naiveSelect: `SELECT ${t.columns.map((c) => selectItem(c, false)).join(', ')}${from}`,
        copyTarget: `${qualified} (${t.columns.map((c) => pgIdent(c.name)).join(', ')})`,
      };
    })
    .sort((a, b) => b.rows - a.rows);
  const sequenceSql = plan.tables.flatMap((t) => {
    const qualified = `${pgIdent(t.target.schema)}.${pgIdent(t.target.table)}`;
    return t.columns
      .filter((c) => c.serial)
      .map((c) => {
        const last = `GREATEST(COALESCE(max(${pgIdent(c.name)}), 0), ${BigInt(t.autoincrementSeq ?? '0')})`;
        return `SELECT setval(pg_get_serial_sequence(${literal(qualified)}, ${literal(c.name)}), GREATEST(${last}, 1), ${last} > 0) FROM ${qualified};`;
      });
  });
  return {
    tables,
    preLoadSql: ddl.slice(0, mark),
    postLoad: splitPostLoad(ddl.slice(mark + POST_LOAD_MARK.length)),
    sequenceSql,
  };
}
