// What migrate does around its load: the --backup-dir copies before it, and, when a run fails, the note
// saying where a --mode resume starts.
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import type { RunPlan } from '../model/table-plan.js';
import type { TableLoadResult } from '../load/load-context.js';
import { loadMapping } from '../mapping/load-mapping.js';
import { backupSources, type BackupSet } from '../extract/backup.js';

/** Which tables a failed run committed and which a --mode resume will load: the ledger says the same. */
export function resumeNote(plan: RunPlan, committed: TableLoadResult[]): string {
  const done = new Set(committed.map((r) => r.plan.targetName));
  const pending = plan.tables.filter((t) => !done.has(t.targetName)).map((t) => t.targetName);
  if (pending.length === 0)
    return 'every table is committed and recorded in the ledger; run again with --mode resume to finish keys, indexes, sequences and verification';
  return `${done.size} of ${plan.tables.length} tables are committed and recorded in the ledger; run again with --mode resume to load the rest (${pending.join(', ')})`;
}

/** --backup-dir: the consistent copies the run then reads, taken before anything touches the target. */
export async function takeBackups(config: Config, runId: string, log: Logger): Promise<BackupSet | null> {
  if (!config.backupDir) return null;
  // Files named as arguments with no --mapping: the mapping will be drafted from their copies.
  const files =
    !config.mappingFile && config.files.length
      ? config.files.map((f) => path.basename(f))
      : loadMapping(config.mappingFile).mapping.sources.map((s) => s.file);
  const set = await backupSources(files, config.sourceDir, config.backupDir, runId, {
    quickCheck: config.quickCheck,
    busyTimeoutMs: 5000,
  });
  log.info(
    { dir: set.dir, files: set.files.map((f) => ({ file: f.file, bytes: f.bytes, sha256: f.sha256 })) },
    'sources backed up; loading from the copies',
  );
  return set;
}
