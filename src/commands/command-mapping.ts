// The mapping a command runs with: --mapping's file, else one drafted (as `init` does) from the SQLite files
// named as arguments, else the built-in one; and, when --source-dir holds none of its files, what to do
// (checked by the commands that open the sources, not by `plan --sql`, which needs none).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { SourceReadError } from '../model/errors.js';
import { loadMapping, type LoadedMapping } from '../mapping/load-mapping.js';
import { draftMapping } from './init.js';
import { writePrivateFile } from '../runtime/private-files.js';

/** The mapping for `config`; with files and no --mapping, drafted from them (and written to --save-mapping). */
export function commandMapping(config: Config, log: Logger | null): LoadedMapping {
  if (config.mappingFile || config.files.length === 0) return loadMapping(config.mappingFile);
  const drafted = draftMapping(config.files, config);
  for (const w of drafted.warnings) {
    if (log) log.warn(`mapping: ${w}`);
    else process.stderr.write(`sqlite2pg ${config.command}: warning: ${w}\n`);
  }
  if (config.saveMapping) {
    // The mapping names the files and their columns; 0600 like the other files sqlite2pg writes about a database.
    writePrivateFile(config.saveMapping, drafted.text);
    if (log) log.info({ file: config.saveMapping }, 'mapping written: edit it, then run with --mapping');
    else process.stderr.write(`sqlite2pg ${config.command}: mapping written to ${config.saveMapping}\n`);
  }
  const names = config.files.map((f) => path.basename(f)).join(', ');
  // The hash is the one of the text `init` (or --save-mapping) writes: that file, given as --mapping later, is the same
  // mapping.
  return {
    mapping: drafted.mapping,
    origin: `the mapping made from ${names}`,
    hash: createHash('sha256').update(drafted.text).digest('hex'),
  };
}

const SQLITE_NAME = /\.(db|sqlite|sqlite3|db3|s3db|sl3)$/i;
const SQLITE_HEADER = 'SQLite format 3\0';

/** Whether `file` starts with SQLite's header (or is named like a SQLite file). */
function looksLikeSqlite(file: string): boolean {
  if (SQLITE_NAME.test(file)) return true;
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_HEADER;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The SQLite files in `dir` (by name or header), at most `limit` of them looked at. */
export function sqliteFilesIn(dir: string, limit = 500): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
  return entries
    .slice(0, limit)
    .filter((name) => !/-(wal|shm|journal)$/.test(name) && looksLikeSqlite(path.join(dir, name)));
}

/**
 * A --source-dir holding not one of the files the mapping names is a different folder, not a damaged one:
 * say which SQLite files it does hold and the three ways on (files as arguments, init, --mapping).
 */
export function checkSourceDirHolds(loaded: LoadedMapping, config: Config): void {
  if (config.files.length > 0) return; // files named as arguments: the folder is theirs
  const wanted = loaded.mapping.sources.map((s) => s.file);
  if (wanted.some((f) => existsSync(path.join(config.sourceDir, f)))) return;
  const which = config.mappingFile
    ? `the mapping ${path.basename(config.mappingFile)}`
    : 'the built-in mapping (the four legacy databases)';
  const found = sqliteFilesIn(config.sourceDir);
  const rel = (f: string) => path.relative(process.cwd(), path.join(config.sourceDir, f)) || f;
  const shown = found.slice(0, 5).map(rel).join(' ') + (found.length > 5 ? ' …' : '');
  const cmd = config.command; // migrate, verify or plan: the commands that open the sources
  const lines = [
    `${config.sourceDir} holds none of the files ${which} names (${wanted.join(', ')})`,
    found.length
      ? `it holds ${found.length} SQLite file(s): ${found.slice(0, 20).join(', ')}${found.length > 20 ? ', …' : ''}`
      : existsSync(config.sourceDir)
        ? 'it holds no SQLite file'
        : 'that folder does not exist',
    'to migrate other SQLite files, name them (their mapping is made as `init` makes it):',
    `  sqlite2pg ${cmd} ${found.length ? shown : 'app.db [more.db …]'} --target URL`,
    'or write their mapping, review it, and pass it with --mapping:',
    `  sqlite2pg init ${found.length ? shown : 'app.db'} --out mapping.json`,
    `  sqlite2pg ${cmd} --mapping mapping.json --source-dir ${path.relative(process.cwd(), config.sourceDir) || '.'}`,
  ];
  throw new SourceReadError(lines.join('\n'));
}
