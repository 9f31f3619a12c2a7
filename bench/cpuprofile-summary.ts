// Aggregates a V8 .cpuprofile (node --cpu-prof) into where the time went: self time by function and by
// file, time by sqlite2pg stage (the nearest sqlite2pg frame on each sampled stack), and by package.
// Library and CLI: node dist/bench/cpuprofile-summary.js FILE.cpuprofile [--top N] [--json] [--split src/verify/]
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  pct: number;
}

export interface FunctionShare extends Share {
  /** Time with the function anywhere on the stack (each sample counted once per function). */
  totalMs: number;
}

export interface ProfileSummary {
  durationMs: number;
  sampledMs: number;
  /** Self time by function (name file:line), highest first. */
  byFunction: FunctionShare[];
  /** Self time by script file. */
  byFile: Share[];
  /**
   * Each sample given to the nearest sqlite2pg frame's folder (src/extract, src/verify…), else to its leaf's package.
   */
  byStage: Share[];
  /** Self time by where the code lives: sqlite2pg, a node_modules package, node internals, native, GC, idle. */
  byPackage: Share[];
}

/**
 * A script URL as a short path: src/verify/canonical/row-hash.js, node_modules/pg/lib/client.js, node:internal/…,
 * (native).
 */
export function shortFile(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 1);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = shortFile(url);
  if (file.startsWith('node_modules/')) {
    const parts = file.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  if (file.startsWith('node:')) return 'node internals';
  if (file.startsWith('src/') || file.startsWith('bench/') || file.startsWith('fixtures/')) return 'sqlite2pg';
  return file;
}

/** The folder of a sqlite2pg frame (src/transform), or null for any other frame. */
function stageOf(node: ProfileNode): string | null {
  const file = shortFile(node.callFrame.url);
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? `src/${m[1]}` : null;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function shares(map: Map<string, number>, total: number): Share[] {
  return [...map.entries()]
    .map(([name, ms]) => ({ name, ms: round(ms), pct: round((ms / total) * 100) }))
    .sort((a, b) => b.ms - a.ms);
}

export function summariseCpuProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnKey = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortFile(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byStage = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const stageCache = new Map<number, string>();
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);

  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample lasts until the next one (V8 records the delta before each sample).
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (ms <= 0) continue;
    sampled += ms;
    const leaf = byId.get(profile.samples[i])!;
    add(self, fnKey(leaf), ms);
    add(byFile, shortFile(leaf.callFrame.url) || leaf.callFrame.functionName, ms);
    add(byPackage, packageOf(leaf), ms);

    let stage = stageCache.get(leaf.id);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      const key = fnKey(n);
      if (!seen.has(key)) {
        seen.add(key);
        add(total, key, ms);
      }
      if (stage === undefined) {
        const s = stageOf(n);
        if (s) stage = s;
      }
    }
    if (stage === undefined) stage = `(no sqlite2pg frame) ${packageOf(leaf)}`;
    stageCache.set(leaf.id, stage);
    add(byStage, stage, ms);
  }

  const byFunction = shares(self, sampled).map((s) => ({ ...s, totalMs: round(total.get(s.name) ?? 0) }));
  return {
    durationMs: round((profile.endTime - profile.startTime) / 1000),
    sampledMs: round(sampled),
    byFunction,
    byFile: shares(byFile, sampled),
    byStage: shares(byStage, sampled),
    byPackage: shares(byPackage, sampled),
  };
}

/**
 * Splits a profile at the first sample whose stack has a frame from a script whose URL contains
 * `marker` (e.g. "src/verify/": before it, migrate loads; from it on, it verifies).
 */
export function splitCpuProfile(profile: CpuProfile, marker: string): [CpuProfile, CpuProfile] | null {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const marked = new Map<number, boolean>();
  const isMarked = (id: number): boolean => {
    let m = marked.get(id);
    if (m === undefined) {
      const p = parent.get(id);
      m = byId.get(id)!.callFrame.url.includes(marker) || (p !== undefined && isMarked(p));
      marked.set(id, m);
    }
    return m;
  };
  const at = profile.samples.findIndex(isMarked);
  if (at < 0) return null;
  const startAt = profile.startTime + profile.timeDeltas.slice(0, at).reduce((n, d) => n + d, 0);
  const part = (from: number, to: number, start: number, end: number): CpuProfile => ({
    nodes: profile.nodes,
    startTime: start,
    endTime: end,
    samples: profile.samples.slice(from, to),
    timeDeltas: [0, ...profile.timeDeltas.slice(from + 1, to)],
  });
  return [part(0, at, profile.startTime, startAt), part(at, profile.samples.length, startAt, profile.endTime)];
}

/** The summary as text: the top `top` lines of each view. */
export function renderProfileSummary(s: ProfileSummary, top = 25): string {
  const pad = (x: string, n: number) => (x.length > n ? `${x.slice(0, n - 1)}…` : x.padEnd(n));
  const lines = [`profile: ${(s.durationMs / 1000).toFixed(1)} s, ${(s.sampledMs / 1000).toFixed(1)} s sampled`];
  const section = (title: string, rows: Share[], extra?: (r: Share) => string) => {
    lines.push('', title);
    for (const r of rows.slice(0, top))
      lines.push(
        `  ${r.ms.toFixed(0).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)}%  ${extra ? extra(r) : ''}${r.name}`,
      );
  };
  section('by stage (nearest sqlite2pg frame on the stack):', s.byStage);
  section('by package (self time):', s.byPackage);
  section('by file (self time):', s.byFile);
  section(
    'by function (self time; total = with the function anywhere on the stack):',
    s.byFunction,
    (r) => `total ${String((r as FunctionShare).totalMs.toFixed(0)).padStart(7)} ms  `,
  );
  return lines.map((l) => pad(l, 160).trimEnd()).join('\n');
}

function isScript(): boolean {
  const script = process.argv[1];
  return Boolean(script && existsSync(script) && import.meta.url === pathToFileURL(realpathSync(script)).href);
}

if (isScript()) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' }, json: { type: 'boolean' }, split: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write(
      'usage: node dist/bench/cpuprofile-summary.js FILE.cpuprofile [--top N] [--json] [--split /src/verify/]\n',
    );
    process.exitCode = 2;
  } else {
    const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as CpuProfile;
    const parts = values.split ? splitCpuProfile(profile, values.split) : null;
    const views: [string, CpuProfile][] = parts
      ? [
          [`before the first ${values.split} frame`, parts[0]],
          [`from the first ${values.split} frame on`, parts[1]],
        ]
      : [['whole run', profile]];
    for (const [title, p] of views) {
      const summary = summariseCpuProfile(p);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ part: title, ...summary }, null, 2)}\n`
          : `== ${title} ==\n${renderProfileSummary(summary, Number(values.top ?? 25))}\n\n`,
      );
    }
  }
}
