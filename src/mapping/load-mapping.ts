// Reads a mapping file (or the built-in one) and checks its shape, naming the exact place at fault.
// Checks against the SQLite files themselves (unknown source tables/columns) happen in plan/build-plan.ts.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MappingError } from '../model/errors.js';
import { NOT_MIGRATED_KINDS, type Mapping, type MappingForeignKey, type MappingTable } from '../model/mapping-types.js';
import { TARGET_TYPES } from '../transform/logical-types.js';
import { SCHEMA_DIR } from '../runtime/paths.js';
import { jsonErrorPlace } from './json-error-place.js';

/** The built-in mapping of the four legacy databases, shipped in schema/. */
export const BUILTIN_MAPPING_PATH = path.join(SCHEMA_DIR, 'builtin-mapping.json');

export interface LoadedMapping {
  mapping: Mapping;
  /** Where it came from (for messages). */
  origin: string;
  /** sha256 of the file's bytes: identifies "the same mapping" for --mode resume. */
  hash: string;
}

type Json = unknown;

class Checker {
  constructor(private readonly origin: string) {}

  fail(at: string, message: string): never {
    throw new MappingError(`${this.origin}: ${at}: ${message}`);
  }

  object(v: Json, at: string, allowed: string[], required: string[]): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(at, 'must be an object');
    const o = v as Record<string, Json>;
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) this.fail(`${at}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
    for (const k of required) if (!(k in o)) this.fail(at, `missing "${k}"`);
    return o;
  }

  string(v: Json, at: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(at, 'must be a non-empty string');
    return v;
  }

  /** PostgreSQL silently cuts identifiers past 63 bytes (NAMEDATALEN - 1): refused here instead. */
  identifier(name: string, at: string, max = 63): void {
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > max)
      this.fail(
        at,
        `${JSON.stringify(name)} is ${bytes} bytes; PostgreSQL keeps ${max === 63 ? '63' : `${max} here (its "_pkey" must fit 63)`}: shorten it`,
      );
  }

  optString(v: Json, at: string): void {
    if (v !== undefined) this.string(v, at);
  }

  optBool(v: Json, at: string): void {
    if (v !== undefined && typeof v !== 'boolean') this.fail(at, 'must be true or false');
  }

  array(v: Json, at: string): Json[] {
    if (!Array.isArray(v)) this.fail(at, 'must be an array');
    return v;
  }

  names(v: Json, at: string, nonEmpty = true): string[] {
    const a = this.array(v, at);
    if (nonEmpty && a.length === 0) this.fail(at, 'must not be empty');
    return a.map((x, i) => this.string(x, `${at}[${i}]`));
  }

  unique(values: string[], at: string, what: string, fold = false): void {
    const seen = new Set<string>();
    for (const v of values) {
      const k = fold ? v.toLowerCase() : v;
      if (seen.has(k)) this.fail(at, `${what} "${v}" appears twice`);
      seen.add(k);
    }
  }
}

const POLICIES = ['reject', 'null', 'default', 'strip'];
const FK_ACTIONS = ['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'];

/** A glob must compile; `[` without its `]` is read literally, so only emptiness is an error. */
function checkPatterns(c: Checker, v: Json, at: string): void {
  if (v !== undefined) c.names(v, at, false);
}

function checkNotMigrated(c: Checker, v: Json, at: string): void {
  if (v === undefined) return;
  c.array(v, at).forEach((x, i) => {
    const xa = `${at}[${i}]`;
    const o = c.object(x, xa, ['kind', 'name', 'table', 'reason', 'sql'], ['kind', 'name', 'reason']);
    if (!(NOT_MIGRATED_KINDS as readonly string[]).includes(o.kind as string))
      c.fail(`${xa}.kind`, `unknown kind ${JSON.stringify(o.kind)} (known: ${NOT_MIGRATED_KINDS.join(', ')})`);
    c.string(o.name, `${xa}.name`);
    c.string(o.reason, `${xa}.reason`);
    c.optString(o.table, `${xa}.table`);
    c.optString(o.sql, `${xa}.sql`);
  });
}

/** Each entry a table name, or `{ "table": name, "reason": why }`; a table is not both mapped and skipped. */
function checkSkipTables(c: Checker, v: Json, tables: Json, at: string): void {
  if (v === undefined) return;
  const mapped = Array.isArray(tables)
    ? tables.map((t) => String((t as { source?: unknown })?.source ?? '').toLowerCase())
    : [];
  const names = c.array(v, at).map((x, i) => {
    const xa = `${at}[${i}]`;
    if (typeof x === 'string') return c.string(x, xa);
    const o = c.object(x, xa, ['table', 'reason'], ['table']);
    c.optString(o.reason, `${xa}.reason`);
    return c.string(o.table, `${xa}.table`);
  });
  c.unique(names, at, 'table', true);
  names.forEach((n, i) => {
    if (mapped.includes(n.toLowerCase())) c.fail(`${at}[${i}]`, `"${n}" is both mapped (under "tables") and skipped`);
  });
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function checkColumn(c: Checker, v: Json, at: string): void {
  const o = c.object(
    v,
    at,
    [
      'name',
      'type',
      'from',
      'expr',
      'value',
      'nullable',
      'default',
      'serial',
      'policy',
      'localTimeZone',
      'emptyAsNull',
      'note',
      'reason',
      'collation',
    ],
    ['name', 'type'],
  );
  c.identifier(c.string(o.name, `${at}.name`), `${at}.name`);
  if (!TARGET_TYPES.includes(o.type as never))
    c.fail(`${at}.type`, `unknown type ${JSON.stringify(o.type)} (known: ${TARGET_TYPES.join(', ')})`);
  const sources = ['from', 'expr', 'value'].filter((k) => k in o);
  if (sources.length !== 1)
    c.fail(at, `needs exactly one of "from", "expr", "value" (has ${sources.length ? sources.join(', ') : 'none'})`);
  c.optString(o.from, `${at}.from`);
  c.optString(o.expr, `${at}.expr`);
  if ('value' in o && o.value !== null && !['string', 'number', 'boolean'].includes(typeof o.value))
    c.fail(`${at}.value`, 'must be a string, number, boolean or null');
  c.optBool(o.nullable, `${at}.nullable`);
  c.optBool(o.serial, `${at}.serial`);
  c.optBool(o.emptyAsNull, `${at}.emptyAsNull`);
  c.optString(o.default, `${at}.default`);
  c.optString(o.note, `${at}.note`);
  c.optString(o.reason, `${at}.reason`);
  if (o.policy !== undefined && !POLICIES.includes(o.policy as string))
    c.fail(`${at}.policy`, `unknown policy ${JSON.stringify(o.policy)} (known: ${POLICIES.join(', ')})`);
  if (o.policy === 'default' && o.default === undefined) c.fail(`${at}.policy`, 'policy "default" needs a "default"');
  if (o.localTimeZone !== undefined) {
    c.string(o.localTimeZone, `${at}.localTimeZone`);
    if (!validZone(o.localTimeZone as string))
      c.fail(`${at}.localTimeZone`, `unknown time zone ${JSON.stringify(o.localTimeZone)}`);
    if (!['timestamp', 'timestamptz', 'date'].includes(o.type as string))
      c.fail(`${at}.localTimeZone`, 'only for timestamp, timestamptz and date columns');
  }
  if (o.serial === true && !['bigint', 'integer', 'smallint'].includes(o.type as string))
    c.fail(`${at}.serial`, 'only for integer columns');
  if (o.collation !== undefined) {
    c.identifier(c.string(o.collation, `${at}.collation`), `${at}.collation`);
    if (o.type !== 'text') c.fail(`${at}.collation`, 'only for text columns');
  }
}

function checkTable(c: Checker, v: Json, at: string): void {
  const o = c.object(
    v,
    at,
    [
      'source',
      'target',
      'columns',
      'drop',
      'primaryKey',
      'unique',
      'foreignKeys',
      'indexes',
      'timestampColumns',
      'note',
      'fullText',
    ],
    ['source', 'target', 'columns'],
  );
  c.string(o.source, `${at}.source`);
  // The DDL names the primary key "<table>_pkey": PostgreSQL would cut a longer name, onto the table's own.
  c.identifier(c.string(o.target, `${at}.target`), `${at}.target`, o.primaryKey !== undefined ? 58 : 63);
  c.optString(o.note, `${at}.note`);
  const cols = c.array(o.columns, `${at}.columns`);
  if (cols.length === 0) c.fail(`${at}.columns`, 'must not be empty');
  cols.forEach((col, i) => checkColumn(c, col, `${at}.columns[${i}]`));
  const names = cols.map((col) => (col as { name: string }).name);
  c.unique(names, `${at}.columns`, 'target column');
  const froms = cols.map((col) => (col as { from?: string }).from).filter((f): f is string => f !== undefined);
  const known = (list: string[], where: string) => {
    for (const [i, n] of list.entries())
      if (!names.includes(n)) c.fail(`${where}[${i}]`, `no target column "${n}" in this table`);
  };
  if (o.drop !== undefined) {
    const drop = c.names(o.drop, `${at}.drop`, false);
    for (const [i, d] of drop.entries()) {
      if (froms.some((f) => f.toLowerCase() === d.toLowerCase()))
        c.fail(`${at}.drop[${i}]`, `"${d}" is both dropped and mapped`);
    }
  }
  if (o.primaryKey !== undefined) known(c.names(o.primaryKey, `${at}.primaryKey`), `${at}.primaryKey`);
  if (o.timestampColumns !== undefined)
    known(c.names(o.timestampColumns, `${at}.timestampColumns`, false), `${at}.timestampColumns`);
  if (o.unique !== undefined) {
    c.array(o.unique, `${at}.unique`).forEach((u, i) => {
      const uo = c.object(u, `${at}.unique[${i}]`, ['name', 'columns'], ['columns']);
      c.optString(uo.name, `${at}.unique[${i}].name`);
      known(c.names(uo.columns, `${at}.unique[${i}].columns`), `${at}.unique[${i}].columns`);
    });
  }
  if (o.foreignKeys !== undefined) {
    c.array(o.foreignKeys, `${at}.foreignKeys`).forEach((f, i) => {
      const fa = `${at}.foreignKeys[${i}]`;
      const fo = c.object(
        f,
        fa,
        ['name', 'columns', 'references', 'referencedColumns', 'onDelete', 'onUpdate'],
        ['columns', 'references', 'referencedColumns'],
      );
      c.optString(fo.name, `${fa}.name`);
      for (const k of ['onDelete', 'onUpdate']) {
        if (fo[k] !== undefined && !FK_ACTIONS.includes(fo[k] as string))
          c.fail(`${fa}.${k}`, `unknown action ${JSON.stringify(fo[k])} (known: ${FK_ACTIONS.join(', ')})`);
      }
      const fc = c.names(fo.columns, `${fa}.columns`);
      known(fc, `${fa}.columns`);
      const ref = c.string(fo.references, `${fa}.references`);
      if (!/^[^.]+\..+$/.test(ref)) c.fail(`${fa}.references`, 'must be "schema.table"');
      if (c.names(fo.referencedColumns, `${fa}.referencedColumns`).length !== fc.length)
        c.fail(fa, 'columns and referencedColumns differ in length');
    });
  }
  if (o.indexes !== undefined) {
    c.array(o.indexes, `${at}.indexes`).forEach((x, i) => {
      const xa = `${at}.indexes[${i}]`;
      const xo = c.object(x, xa, ['name', 'columns', 'expressions', 'where', 'unique'], ['name']);
      c.string(xo.name, `${xa}.name`);
      c.optBool(xo.unique, `${xa}.unique`);
      if ((xo.columns === undefined) === (xo.expressions === undefined))
        c.fail(xa, 'needs exactly one of "columns", "expressions"');
      if (xo.columns !== undefined) known(c.names(xo.columns, `${xa}.columns`), `${xa}.columns`);
      if (xo.expressions !== undefined) c.names(xo.expressions, `${xa}.expressions`);
      if (xo.where !== undefined) c.string(xo.where, `${xa}.where`);
    });
  }
  if (o.fullText !== undefined)
    checkFullText(c, o.fullText, `${at}.fullText`, cols as { name: string; type: string }[]);
}

/** `fullText`: a new column name, the table's text columns, a text search configuration name, an index name. */
function checkFullText(c: Checker, v: Json, at: string, cols: { name: string; type: string }[]): void {
  const o = c.object(v, at, ['column', 'columns', 'language', 'index'], ['column', 'columns', 'language', 'index']);
  const column = c.string(o.column, `${at}.column`);
  c.identifier(column, `${at}.column`);
  if (cols.some((col) => col.name === column)) c.fail(`${at}.column`, `"${column}" is already a column of the table`);
  for (const [i, n] of c.names(o.columns, `${at}.columns`).entries()) {
    const col = cols.find((x) => x.name === n);
    if (!col || col.type !== 'text') c.fail(`${at}.columns[${i}]`, `"${n}" is not a text column of this table`);
  }
  // A configuration name (pg_ts_config), written into the DDL as a quoted literal.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.string(o.language, `${at}.language`)))
    c.fail(`${at}.language`, 'must be a text search configuration name such as "simple" or "english"');
  c.identifier(c.string(o.index, `${at}.index`), `${at}.index`);
}

const INTEGERS = ['smallint', 'integer', 'bigint'];

/**
 * PostgreSQL adds a foreign key (after the load) only onto the referenced table's primary key or a unique
 * constraint, between comparable types: checked here, so a mapping fails at once rather than after its load.
 */
function checkReferencedKey(c: Checker, mapping: Mapping, t: MappingTable, fk: MappingForeignKey, at: string): void {
  const dot = fk.references.indexOf('.');
  const source = mapping.sources.find((s) => s.schema === fk.references.slice(0, dot));
  const parent = source?.tables.find((x) => x.target === fk.references.slice(dot + 1));
  if (!parent) return;
  const same = (a: string[]) =>
    a.length === fk.referencedColumns.length && a.every((x) => fk.referencedColumns.includes(x));
  if (!same(parent.primaryKey ?? []) && !(parent.unique ?? []).some((u) => same(u.columns))) {
    c.fail(
      `${at}.referencedColumns`,
      `(${fk.referencedColumns.join(', ')}) is not the primary key or a unique constraint of ${fk.references}`,
    );
  }
  fk.columns.forEach((name, n) => {
    const mine = t.columns.find((x) => x.name === name)!.type;
    const theirs = parent.columns.find((x) => x.name === fk.referencedColumns[n])?.type;
    if (theirs === undefined)
      c.fail(`${at}.referencedColumns[${n}]`, `no column "${fk.referencedColumns[n]}" in ${fk.references}`);
    if (mine !== theirs && !(INTEGERS.includes(mine) && INTEGERS.includes(theirs!))) {
      c.fail(
        `${at}.columns[${n}]`,
        `${name} is ${mine} but ${fk.references}.${fk.referencedColumns[n]} is ${theirs}: a foreign key needs comparable types`,
      );
    }
  });
}

/** Checks a parsed mapping; throws MappingError naming the place at fault. */
export function validateMapping(raw: Json, origin: string): Mapping {
  const c = new Checker(origin);
  const o = c.object(
    raw,
    '$',
    ['$schema', 'version', 'name', 'schemaVersion', 'sources', 'deviations'],
    ['version', 'name', 'sources'],
  );
  if (o.version !== 1)
    c.fail('$.version', `unsupported mapping version ${JSON.stringify(o.version)} (this sqlite2pg reads version 1)`);
  c.string(o.name, '$.name');
  if (o.schemaVersion !== undefined && !Number.isInteger(o.schemaVersion))
    c.fail('$.schemaVersion', 'must be an integer');
  if (o.deviations !== undefined) c.names(o.deviations, '$.deviations', false);
  const sources = c.array(o.sources, '$.sources');
  if (sources.length === 0) c.fail('$.sources', 'must not be empty');
  const targets: string[] = [];
  const views: string[] = [];
  sources.forEach((s, i) => {
    const at = `$.sources[${i}]`;
    const so = c.object(
      s,
      at,
      ['file', 'schema', 'tables', 'skipTables', 'include', 'exclude', 'views', 'notMigrated'],
      ['file', 'schema', 'tables'],
    );
    const file = c.string(so.file, `${at}.file`);
    if (path.basename(file) !== file) c.fail(`${at}.file`, 'must be a file name (found in --source-dir), not a path');
    const schema = c.string(so.schema, `${at}.schema`);
    // "schema.table" names are split at the first dot (a table name may hold dots, a schema may not).
    if (schema.includes('.')) c.fail(`${at}.schema`, 'must not contain "."');
    checkSkipTables(c, so.skipTables, so.tables, `${at}.skipTables`);
    checkPatterns(c, so.include, `${at}.include`);
    checkPatterns(c, so.exclude, `${at}.exclude`);
    checkNotMigrated(c, so.notMigrated, `${at}.notMigrated`);
    if (so.views !== undefined) {
      c.array(so.views, `${at}.views`).forEach((v, k) => {
        const vo = c.object(v, `${at}.views[${k}]`, ['name', 'sql', 'required'], ['name', 'sql']);
        c.identifier(c.string(vo.name, `${at}.views[${k}].name`), `${at}.views[${k}].name`);
        c.string(vo.sql, `${at}.views[${k}].sql`);
        c.optBool(vo.required, `${at}.views[${k}].required`);
        views.push(`${schema}.${vo.name as string}`);
      });
    }
    const tables = c.array(so.tables, `${at}.tables`);
    tables.forEach((t, j) => {
      checkTable(c, t, `${at}.tables[${j}]`);
      targets.push(`${schema}.${(t as { target: string }).target}`);
    });
    c.unique(
      tables.map((t) => (t as { source: string }).source),
      `${at}.tables`,
      'source table',
      true,
    );
  });
  c.unique(
    sources.map((s) => (s as { file: string }).file),
    '$.sources',
    'file',
  );
  c.unique(targets, '$.sources', 'target table');
  c.unique([...targets, ...views], '$.sources', 'table or view name');
  const mapping = { schemaVersion: 1, ...o } as unknown as Mapping;
  // Foreign keys must point at tables this mapping loads, so that parents load first.
  mapping.sources.forEach((s, i) =>
    s.tables.forEach((t, j) =>
      (t.foreignKeys ?? []).forEach((fk, k) => {
        if (!targets.includes(fk.references))
          c.fail(
            `$.sources[${i}].tables[${j}].foreignKeys[${k}].references`,
            `"${fk.references}" is not a target table of this mapping`,
          );
        checkReferencedKey(c, mapping, t, fk, `$.sources[${i}].tables[${j}].foreignKeys[${k}]`);
      }),
    ),
  );
  return mapping;
}

/** Loads and validates the mapping at `file`, or the built-in mapping when `file` is undefined. */
export function loadMapping(file: string | undefined): LoadedMapping {
  const origin = file ?? BUILTIN_MAPPING_PATH;
  let text: string;
  try {
    text = readFileSync(origin, 'utf8');
  } catch (err) {
    throw new MappingError(
      `cannot read mapping ${origin}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MappingError(`${origin}: not valid JSON: ${jsonErrorPlace(text) ?? (err as Error).message}`);
  }
  const mapping = validateMapping(raw, file ? path.basename(origin) : 'built-in mapping');
  return { mapping, origin, hash: createHash('sha256').update(text).digest('hex') };
}
