// sqlite2pg init: introspects any SQLite files and writes a mapping for them — the same format `--mapping`
// reads — with every type choice explained, so a person reviews it, edits it, then runs plan and migrate.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import { EXIT, UsageError } from '../model/errors.js';
import { openSource } from '../extract/open-source.js';
import { initSource, type SourceDraft } from '../init/init-source.js';
import { NameRegistry, schemaForFile } from '../init/identifiers.js';
import { skippedTables, type Mapping } from '../model/mapping-types.js';
import { validateMapping } from '../mapping/load-mapping.js';
import { formatMapping } from '../mapping/format-mapping.js';
import type { CommandResult } from './migrate.js';

/** The mapping's name: the file's name for one file, else the first file's and a count. */
function mappingName(files: string[]): string {
  const first = path.basename(files[0]).replace(/\.[^.]+$/, '');
  return files.length === 1 ? first : `${first}-and-${files.length - 1}-more`;
}

/** One line per table for a person: rows, columns, key, and how many warnings. */
function summary(drafts: SourceDraft[], out: string, dirs: string[]): string {
  const lines = [`wrote ${out}`];
  for (const d of drafts) {
    lines.push(`  ${d.source.file} → schema ${d.source.schema}`);
    for (const t of d.source.tables) {
      lines.push(
        `    ${t.source} → ${t.target}: ${d.rows.get(t.source) ?? 0} rows, ${t.columns.length} columns, key (${(t.primaryKey ?? []).join(', ') || 'none'})`,
      );
    }
    const skipped = skippedTables(d.source);
    if (skipped.length)
      lines.push(`    skipped (under skipTables, with why): ${skipped.map((x) => x.table).join(', ')}`);
    const nm = d.source.notMigrated ?? [];
    if (nm.length) lines.push(`    not migrated: ${nm.map((n) => `${n.kind} ${n.name}`).join(', ')}`);
  }
  const dir = dirs.length === 1 ? dirs[0] : '<folder holding the files>';
  lines.push(
    '',
    `next: sqlite2pg plan --mapping ${out} --source-dir ${dir}`,
    `      sqlite2pg migrate --mapping ${out} --source-dir ${dir}`,
  );
  return lines.join('\n');
}

/** A mapping drafted from SQLite files, as `init` writes it. */
export interface DraftedMapping {
  mapping: Mapping;
  drafts: SourceDraft[];
  /** The mapping as `init` writes it (and as its hash is taken). */
  text: string;
  /** "file:table: column: why", one per doubtful choice. */
  warnings: string[];
}

/**
 * Introspects `files` and drafts their mapping — what `init` writes, and what migrate, verify and plan use
 * when given files and no --mapping. The same files give the same mapping (the same text, the same hash).
 */
export function draftMapping(
  files: string[],
  options: Pick<Config, 'quickCheck' | 'identifiers' | 'fts'>,
): DraftedMapping {
  if (files.length === 0) throw new UsageError('name at least one SQLite file');
  const names = files.map((f) => path.basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  // The mapping names files by their name alone (found in --source-dir): two files of one name cannot both be named.
  if (twice)
    throw new UsageError(
      `two files are named ${twice}: a mapping names each file by its name in --source-dir; rename one`,
    );
  const schemas = new NameRegistry(['sqlite2pg', 'public']);
  const drafts: SourceDraft[] = [];
  const sourceWarnings: string[] = [];
  for (const file of files) {
    const src = openSource(path.basename(file), file, { quickCheck: options.quickCheck, busyTimeoutMs: 5000 });
    sourceWarnings.push(...(src.warnings ?? []).map((w) => `${src.file}: ${w}`));
    try {
      drafts.push(
        initSource(src.file, src.db, schemas.take(schemaForFile(file)), options.identifiers, {
          fts: options.fts ?? null,
        }),
      );
    } finally {
      src.close();
    }
  }
  const mapping: Mapping = {
    version: 1,
    name: mappingName(files),
    schemaVersion: 1,
    sources: drafts.map((d) => d.source),
  };
  // What init writes, --mapping must read: checked here rather than discovered at migrate time.
  validateMapping(JSON.parse(JSON.stringify(mapping)), 'the mapping init made');
  const warnings = [...sourceWarnings, ...drafts.flatMap((d) => d.warnings.map((w) => `${d.source.file}:${w}`))];
  return { mapping, drafts, text: formatMapping(mapping), warnings };
}

/**
 * Writes the mapping for `config.files` to `--out` (then a summary on stdout), or on stdout. Exit 2 for an unreadable
 * file.
 */
export async function runInit(config: Config): Promise<CommandResult> {
  const { drafts, text, warnings } = draftMapping(config.files, config);
  for (const w of warnings) process.stderr.write(`sqlite2pg init: warning: ${w}\n`);
  if (!config.out) return { report: null, exitCode: EXIT.ok, text };
  writeFileSync(config.out, text);
  const dirs = [...new Set(config.files.map((f) => path.dirname(f)))];
  return { report: null, exitCode: EXIT.ok, text: summary(drafts, config.out, dirs) };
}
