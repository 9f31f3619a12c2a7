// What COPY costs the PostgreSQL server per format and per write size, apart from any client work:
// loads the fixtures once with sqlite2pg migrate, takes each table out with COPY TO (text and binary),
// then feeds the bytes back with COPY … FROM STDIN (FORMAT x, FREEZE) into a table created in the same
// transaction (rolled back), measuring the wall time and the server backend's CPU time (/proc, so only
// on a server on this machine). The least of --repeat passes is kept.
// node dist/bench/copy-formats.js --source-dir DIR [--cli dist/src/cli.js] [--target URL] [--repeat 3]
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BenchDatabases } from './databases.js';
import { DEFAULT_CLI } from './options.js';
import { runSqlite2pg } from './sqlite2pg-runner.js';

interface Feed {
  wallMs: number;
  /** CPU ms of the server backend that ran the COPY, or null when it is not on this machine. */
  serverCpuMs: number | null;
}

export interface FormatCosts {
  table: string;
  rows: number;
  textBytes: number;
  binaryBytes: number;
  text: Feed;
  binary: Feed;
}

/** utime + stime of a local process, ms (clock ticks of 10 ms on Linux). */
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function takeOut(client: pg.Client, table: string, format: 'text' | 'binary'): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(`COPY ${table} TO STDOUT (FORMAT ${format})`)))
    chunks.push(chunk as Buffer);
  return chunks;
}

/** Feeds `data` to COPY FROM in writes of `chunkBytes`, into a copy of `table` made in the same transaction. */
async function feed(
  client: pg.Client,
  pid: number,
  table: string,
  format: 'text' | 'binary',
  data: Buffer,
  chunkBytes: number,
): Promise<Feed> {
  await client.query('BEGIN');
  try {
    await client.query(`CREATE TABLE s2p_bench_copy_probe (LIKE ${table} INCLUDING DEFAULTS)`);
    const cpu0 = processCpuMs(pid);
    const t0 = performance.now();
    const stream = client.query(copyFrom(`COPY s2p_bench_copy_probe FROM STDIN (FORMAT ${format}, FREEZE true)`));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      let at = 0;
      const pump = () => {
        while (at < data.length) {
          const more = stream.write(data.subarray(at, at + chunkBytes));
          at += chunkBytes;
          if (!more) return void stream.once('drain', pump);
        }
        stream.end();
      };
      pump();
    });
    const wallMs = performance.now() - t0;
    const cpu1 = processCpuMs(pid);
    return { wallMs, serverCpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
  } finally {
    await client.query('ROLLBACK');
  }
}

const least = (runs: Feed[]): Feed => ({
  wallMs: Math.round(Math.min(...runs.map((r) => r.wallMs))),
  serverCpuMs: runs.some((r) => r.serverCpuMs === null) ? null : Math.min(...runs.map((r) => r.serverCpuMs!)),
});

export async function copyFormats(opts: {
  cli: string;
  sourceDir: string;
  target: string;
  repeat: number;
  chunkSizes: number[];
}): Promise<{ formats: FormatCosts[]; chunks: { table: string; chunkBytes: number; feed: Feed }[] }> {
  const dbs = new BenchDatabases(opts.target);
  const db = await dbs.create();
  try {
    await runSqlite2pg(opts.cli, 'migrate', opts.sourceDir, db.url, ['--mode', 'fresh']);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const tables = (
        await client.query(`SELECT format('%I.%I', schemaname, relname) AS name, n_live_tup AS rows FROM pg_stat_user_tables
        WHERE schemaname IN ('knowledge', 'continuum', 'rss', 'accuracy') ORDER BY pg_total_relation_size(relid) DESC`)
      ).rows as { name: string; rows: string }[];
      const formats: FormatCosts[] = [];
      for (const t of tables) {
        const text = Buffer.concat(await takeOut(client, t.name, 'text'));
        const binary = Buffer.concat(await takeOut(client, t.name, 'binary'));
        const runs = { text: [] as Feed[], binary: [] as Feed[] };
        for (let r = 0; r < opts.repeat; r++) {
          runs.text.push(await feed(client, pid, t.name, 'text', text, 64 * 1024));
          runs.binary.push(await feed(client, pid, t.name, 'binary', binary, 64 * 1024));
        }
        formats.push({
          table: t.name,
          rows: Number(t.rows),
          textBytes: text.length,
          binaryBytes: binary.length,
          text: least(runs.text),
          binary: least(runs.binary),
        });
      }
      // Write sizes, on the largest table in text format.
      const biggest = tables[0].name;
      const text = Buffer.concat(await takeOut(client, biggest, 'text'));
      const chunks = [];
      for (const chunkBytes of opts.chunkSizes) {
        const runs: Feed[] = [];
        for (let r = 0; r < opts.repeat; r++) runs.push(await feed(client, pid, biggest, 'text', text, chunkBytes));
        chunks.push({ table: biggest, chunkBytes, feed: least(runs) });
      }
      return { formats, chunks };
    } finally {
      await client.end();
    }
  } finally {
    await dbs.dropAll();
  }
}

function render(r: Awaited<ReturnType<typeof copyFormats>>): string {
  const ms = (f: Feed) =>
    `${String(f.wallMs).padStart(7)} ${(f.serverCpuMs === null ? '—' : String(f.serverCpuMs)).padStart(7)}`;
  const width = Math.max(...r.formats.map((f) => f.table.length), 5);
  const lines = [
    `COPY FROM STDIN (FREEZE) of data already in PostgreSQL's own text/binary form: wall ms and server backend CPU ms (least of the passes)`,
    `${'table'.padEnd(width)}     rows  text MB  bin MB   text wall  cpu   bin wall  cpu`,
  ];
  for (const f of r.formats)
    lines.push(
      `${f.table.padEnd(width)} ${String(f.rows).padStart(8)} ${(f.textBytes / 1e6).toFixed(1).padStart(8)} ${(f.binaryBytes / 1e6).toFixed(1).padStart(7)}  ${ms(f.text)} ${ms(f.binary)}`,
    );
  const sum = (k: 'text' | 'binary', w: 'wallMs' | 'serverCpuMs') => r.formats.reduce((n, f) => n + (f[k][w] ?? 0), 0);
  lines.push(
    `${'all'.padEnd(width)} ${String(r.formats.reduce((n, f) => n + f.rows, 0)).padStart(8)} ${(r.formats.reduce((n, f) => n + f.textBytes, 0) / 1e6).toFixed(1).padStart(8)} ${(r.formats.reduce((n, f) => n + f.binaryBytes, 0) / 1e6).toFixed(1).padStart(7)}  ${String(sum('text', 'wallMs')).padStart(7)} ${String(sum('text', 'serverCpuMs')).padStart(7)} ${String(sum('binary', 'wallMs')).padStart(7)} ${String(sum('binary', 'serverCpuMs')).padStart(7)}`,
  );
  lines.push(
    '',
    `write size (text, ${r.chunks[0]?.table}): ${r.chunks.map((c) => `${c.chunkBytes / 1024} KiB → ${c.feed.wallMs} ms wall, ${c.feed.serverCpuMs ?? '—'} ms server CPU`).join('; ')}`,
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
      target: { type: 'string' },
      repeat: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (!values['source-dir']) {
    process.stderr.write(
      'usage: node dist/bench/copy-formats.js --source-dir DIR [--cli dist/src/cli.js] [--target URL] [--repeat 3] [--json]\n',
    );
    process.exitCode = 2;
  } else {
    copyFormats({
      cli: path.resolve(values.cli ?? DEFAULT_CLI),
      sourceDir: path.resolve(values['source-dir']),
      target: values.target ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
      repeat: Number(values.repeat ?? 3),
      chunkSizes: [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024],
    }).then(
      (r) => process.stdout.write(`${values.json ? JSON.stringify(r, null, 2) : render(r)}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
