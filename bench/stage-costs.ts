// CPU cost per row of each in-process stage of a load, without PostgreSQL: read (readPages), convert
// (makeRowConverter), encode (COPY text), measured on the real code of a sqlite2pg build; and, beside
// them, prototypes of candidate optimisations (a fast path for values needing no conversion,
// binary COPY encoding, a bare iterate() read), to estimate what each would save. CPU time, not wall
// time, so the figures hold on a busy machine.
// node dist/bench/stage-costs.js --source-dir DIR [--cli dist/src/cli.js] [--tables a,b] [--repeat 3] [--json]
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { DEFAULT_CLI } from './options.js';
import { BinaryWriter, BINARY_HEADER, BINARY_TRAILER } from './copy-binary.js';

type Value = null | bigint | number | string | Buffer | object;
interface Column {
  name: string;
  targetType: string;
  extractIndex: number;
  policy: string;
  emptyAsNull: boolean;
  nullable: boolean;
  localTimeZone: string | null;
  source: { kind: 'column' | 'expr' } | { kind: 'const'; value: string | number | boolean | null };
}
interface Plan {
  targetName: string;
  sourceExists: boolean;
  sourceRows: number;
  source: { file: string; path: string; table: string };
  sourceColumns: { name: string }[];
  sourceExprs: string[];
  columns: Column[];
}
type Outcome = { ok: true; fields: (string | null)[] } | { ok: false };
type Converter = (
  value: Value,
  options: { localTimeZone: string | null },
) => { ok: true; text: string | null } | { ok: false };
interface Modules {
  typeRules: Record<string, { convert: Converter }>;
  readPages(db: Database.Database, plan: Plan): AsyncGenerator<{ key: string; values: Value[] }[]>;
  makeRowConverter(plan: Plan): (values: Value[]) => Outcome;
  encodeCopyRow(fields: (string | null)[]): string;
  encodeCopyField(text: string | null): string;
  formatDouble(n: number): string;
}

async function loadModules(cli: string): Promise<Modules> {
  const dir = path.dirname(cli);
  const at = async (p: string) => import(pathToFileURL(path.join(dir, p)).href) as Promise<Record<string, unknown>>;
  const [read, convert, encode, numbers, types] = await Promise.all([
    at('extract/read-rows.js'),
    at('transform/convert-row.js'),
    at('transform/copy-encode.js'),
    at('transform/numbers.js'),
    at('transform/logical-types.js'),
  ]);
  return {
    typeRules: types.TYPE_RULES as Modules['typeRules'],
    readPages: read.readPages as Modules['readPages'],
    makeRowConverter: convert.makeRowConverter as Modules['makeRowConverter'],
    encodeCopyRow: encode.encodeCopyRow as Modules['encodeCopyRow'],
    encodeCopyField: encode.encodeCopyField as Modules['encodeCopyField'],
    formatDouble: numbers.formatDouble as Modules['formatDouble'],
  };
}

/** CPU ms (user + system) and wall ms of `fn`. */
async function cpu<T>(fn: () => Promise<T> | T): Promise<{ cpuMs: number; wallMs: number; out: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0, out };
}

const SPECIAL = /[\\\t\n\r\u0000]/;

/**
 * Prototype of a fast path: a value that already has the target's storage class goes straight to its
 * COPY text (text checked for NUL and lone surrogates and escaped in one step, integers and doubles
 * printed); any other value through its column's production converter, one value at a time; a
 * constant is encoded once. Policies other than reject are not applied (the fixtures' clean values
 * never trigger them), emptyAsNull is. Null when a value is rejected.
 */
function fastPathRow(columns: Column[], m: Modules): (values: Value[]) => string | null {
  const steps = columns.map((c): ((values: Value[]) => string | null) => {
    const convert = m.typeRules[c.targetType].convert;
    const options = { localTimeZone: c.localTimeZone };
    const slow = (v: Value): string | null => {
      const r = convert(c.emptyAsNull && v === '' ? null : v, options);
      if (!r.ok || (r.text === null && !c.nullable)) return null;
      return m.encodeCopyField(r.text);
    };
    if (c.source.kind === 'const') {
      const k = c.source.value;
      const field = slow(
        typeof k === 'boolean' ? BigInt(k) : typeof k === 'number' && Number.isInteger(k) ? BigInt(k) : k,
      );
      return () => field;
    }
    const index = c.extractIndex;
    if (c.emptyAsNull) return (values: Value[]) => slow(values[index]);
    if (c.targetType === 'text') {
      return (values: Value[]) => {
        const v = values[index];
        return typeof v === 'string' && (v as unknown as { isWellFormed(): boolean }).isWellFormed() && !SPECIAL.test(v)
          ? v
          : slow(v);
      };
    }
    if (c.targetType === 'bigint')
      return (values: Value[]) => (typeof values[index] === 'bigint' ? String(values[index]) : slow(values[index]));
    if (c.targetType === 'double precision')
      return (values: Value[]) =>
        typeof values[index] === 'number' ? m.formatDouble(values[index] as number) : slow(values[index]);
    return (values: Value[]) => slow(values[index]);
  });
  return (values) => {
    let row = '';
    for (let i = 0; i < steps.length; i++) {
      const field = steps[i](values);
      if (field === null) return null;
      row += i === 0 ? field : `\t${field}`;
    }
    return `${row}\n`;
  };
}

interface TableCosts {
  table: string;
  rows: number;
  /** µs of CPU per row. */
  readPages: number;
  convert: number;
  encodeText: number;
  toBuffer: number;
  productionTotal: number;
  iterateSafeIntegers: number;
  iteratePlainNumbers: number;
  fastPathConvertEncode: number;
  binaryEncode: number;
  textBytes: number;
  binaryBytes: number;
}

async function measureTable(db: Database.Database, plan: Plan, m: Modules): Promise<TableCosts> {
  const convert = m.makeRowConverter(plan);
  const fast = fastPathRow(plan.columns, m);
  const binary = new BinaryWriter();
  const times = { read: 0, convert: 0, encode: 0, buffer: 0, fast: 0, binary: 0 };
  let rows = 0;
  let textBytes = BINARY_HEADER.length;
  let binaryBytes = BINARY_HEADER.length + BINARY_TRAILER.length;
  const pages = m.readPages(db, plan);
  for (;;) {
    const r = await cpu(() => pages.next());
    times.read += r.cpuMs;
    if (r.out.done) break;
    const page = r.out.value;
    const converted = await cpu(() => page.map((row) => convert(row.values)));
    times.convert += converted.cpuMs;
    const ok = page.map((row, i) => ({ values: row.values, out: converted.out[i] })).filter((x) => x.out.ok);
    const fields = ok.map((x) => (x.out as Extract<Outcome, { ok: true }>).fields);
    const text = await cpu(() => fields.map((f) => m.encodeCopyRow(f)).join(''));
    times.encode += text.cpuMs;
    const buf = await cpu(() => Buffer.from(text.out, 'utf8'));
    times.buffer += buf.cpuMs;
    textBytes += buf.out.length;
    const f = await cpu(() => page.map((row) => fast(row.values)).join(''));
    times.fast += f.cpuMs;
    if (f.out !== text.out)
      throw new Error(
        `${plan.targetName}: the fast-path prototype writes different COPY text than the production code`,
      );
    // Binary goes straight to Buffers (no string → Buffer step), integers and doubles from the raw values.
    const bin = await cpu(() => {
      for (let i = 0; i < fields.length; i++) binary.row(fields[i], plan.columns, ok[i].values);
      return binary.take();
    });
    times.binary += bin.cpuMs;
    binaryBytes += bin.out.length;
    rows += page.length;
  }
  const cols = [
    ...plan.sourceColumns.map((c) => `"${c.name.replace(/"/g, '""')}"`),
    ...plan.sourceExprs.map((e) => `(${e})`),
  ].join(', ');
  const sql = `SELECT ${cols} FROM "${plan.source.table.replace(/"/g, '""')}"`;
  const iterate = async (safe: boolean) =>
    (
      await cpu(() => {
        let n = 0;
        for (const row of db.prepare(sql).raw(true).safeIntegers(safe).iterate()) n += (row as unknown[]).length;
        return n;
      })
    ).cpuMs;
  const per = (ms: number) => Math.round(((ms * 1000) / Math.max(rows, 1)) * 100) / 100;
  return {
    table: plan.targetName,
    rows,
    readPages: per(times.read),
    convert: per(times.convert),
    encodeText: per(times.encode),
    toBuffer: per(times.buffer),
    productionTotal: per(times.read + times.convert + times.encode + times.buffer),
    iterateSafeIntegers: per(await iterate(true)),
    iteratePlainNumbers: per(await iterate(false)),
    fastPathConvertEncode: per(times.fast),
    binaryEncode: per(times.binary),
    textBytes,
    binaryBytes,
  };
}

/** Per table and figure, the least of `repeat` passes: other work on the machine only ever adds. */
function least(passes: TableCosts[][]): TableCosts[] {
  return passes[0].map((first, i) => {
    const out = { ...first };
    for (const k of Object.keys(first) as (keyof TableCosts)[]) {
      if (typeof first[k] === 'number' && k !== 'rows' && k !== 'textBytes' && k !== 'binaryBytes')
        (out[k] as number) = Math.min(...passes.map((p) => p[i][k] as number));
    }
    return out;
  });
}

export async function stageCosts(
  cli: string,
  sourceDir: string,
  only: string[] | null,
  repeat = 3,
): Promise<TableCosts[]> {
  const passes: TableCosts[][] = [];
  for (let r = 0; r < repeat; r++) passes.push(await stageCostsOnce(cli, sourceDir, only));
  return least(passes);
}

async function stageCostsOnce(cli: string, sourceDir: string, only: string[] | null): Promise<TableCosts[]> {
  const m = await loadModules(cli);
  const planJson = JSON.parse(
    execFileSync(process.execPath, [cli, 'plan', '--json', '--source-dir', sourceDir], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  ) as { tables: Plan[] };
  const tables = planJson.tables.filter((t) => t.sourceExists && (!only || only.includes(t.targetName)));
  const dbs = new Map<string, Database.Database>();
  const out: TableCosts[] = [];
  try {
    for (const t of tables) {
      let db = dbs.get(t.source.path);
      if (!db) {
        db = new Database(t.source.path, { readonly: true, fileMustExist: true });
        db.defaultSafeIntegers(true);
        dbs.set(t.source.path, db);
      }
      out.push(await measureTable(db, t, m));
    }
  } finally {
    for (const db of dbs.values()) db.close();
  }
  return out;
}

function render(costs: TableCosts[]): string {
  const cols: [keyof TableCosts, string][] = [
    ['rows', 'rows'],
    ['readPages', 'read'],
    ['convert', 'convert'],
    ['encodeText', 'encode'],
    ['toBuffer', '→Buffer'],
    ['productionTotal', 'total'],
    ['iterateSafeIntegers', 'iterate'],
    ['iteratePlainNumbers', 'iter num'],
    ['fastPathConvertEncode', 'fast c+e'],
    ['binaryEncode', 'bin enc'],
  ];
  const width = Math.max(...costs.map((c) => c.table.length), 5);
  const lines = [
    `CPU µs per row (production code: read, convert, encode, →Buffer, total; prototypes: iterate with safeIntegers, iterate with plain numbers, fast-path convert+encode, binary encode)`,
    `${'table'.padEnd(width)} ${cols.map(([, h]) => h.padStart(9)).join('')}  text MB  binary MB`,
  ];
  const totalRows = costs.reduce((n, c) => n + c.rows, 0);
  const weighted = (k: keyof TableCosts) =>
    costs.reduce((n, c) => n + (c[k] as number) * c.rows, 0) / Math.max(totalRows, 1);
  for (const c of costs)
    lines.push(
      `${c.table.padEnd(width)} ${cols.map(([k]) => (k === 'rows' ? String(c.rows) : (c[k] as number).toFixed(2)).padStart(9)).join('')}  ${(c.textBytes / 1e6).toFixed(1).padStart(7)}  ${(c.binaryBytes / 1e6).toFixed(1).padStart(9)}`,
    );
  lines.push(
    `${'all (row-weighted)'.padEnd(width)} ${cols.map(([k]) => (k === 'rows' ? String(totalRows) : weighted(k).toFixed(2)).padStart(9)).join('')}  ${(costs.reduce((n, c) => n + c.textBytes, 0) / 1e6).toFixed(1).padStart(7)}  ${(costs.reduce((n, c) => n + c.binaryBytes, 0) / 1e6).toFixed(1).padStart(9)}`,
  );
  return lines.join('\n');
}

function isScript(): boolean {
  const script = process.argv[1];
  return Boolean(script && existsSync(script) && import.meta.url === pathToFileURL(realpathSync(script)).href);
}

if (isScript()) {
  const { values } = parseArgs({
    options: {
      'source-dir': { type: 'string' },
      cli: { type: 'string' },
      tables: { type: 'string' },
      json: { type: 'boolean' },
      repeat: { type: 'string' },
    },
  });
  if (!values['source-dir']) {
    process.stderr.write(
      'usage: node dist/bench/stage-costs.js --source-dir DIR [--cli dist/src/cli.js] [--tables a,b] [--repeat 3] [--json]\n',
    );
    process.exitCode = 2;
  } else {
    stageCosts(
      path.resolve(values.cli ?? DEFAULT_CLI),
      path.resolve(values['source-dir']),
      values.tables?.split(',') ?? null,
      Number(values.repeat ?? 3),
    ).then(
      (costs) => process.stdout.write(`${values.json ? JSON.stringify(costs, null, 2) : render(costs)}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
