// The target side of the one streaming pass, tallied in the table's source worker: the worker reads the
// table's COPY output on a connection of its own when it may, else the COPY is read here (on whatever
// connection verify was given, its snapshot or the dry run's transaction) and its chunks go to the worker.
import type pg from 'pg';
import type { ConnectionSettings } from '../../pg/target.js';
import { copyOut } from '../../pg/copy-out.js';
import type { TablePlan } from '../../model/table-plan.js';
import { copyOutSql, targetCopyLines, targetLineTallier } from './target-side.js';
import { binaryCopyOutSql, binaryTargetTally, type TargetChunks } from './target-binary.js';
import { SideTally, type TallyState } from './side-tally.js';
import type { FirstLevelSpec } from './segments.js';
import { recentRowTest, type RecentTest } from './grace.js';

/**
 * The COPY format the streaming pass reads the target side in: binary (target-binary.ts), or text where the
 * server or a proxy on the way has no binary COPY (SQLITE2PG_COPY_FORMAT=text).
 */
export type TargetCopyFormat = 'binary' | 'text';

/** Tallies a table's target side in another thread (the file's source worker). */
export interface TargetTallier {
  readonly format: TargetCopyFormat;
  /** Tallies the COPY output chunks read on this thread. */
  run(
    plan: TablePlan,
    cutoffMicros: number | null,
    spec: FirstLevelSpec,
    chunks: AsyncIterable<Buffer>,
  ): Promise<TallyState>;
  /**
   * Reads the table's COPY output itself, on a connection of its own with these settings, and tallies it
   * (a source worker: the main thread then allocates nothing for the table's target side).
   */
  copy(
    plan: TablePlan,
    cutoffMicros: number | null,
    spec: FirstLevelSpec,
    connection: ConnectionSettings,
    snapshot: string | null,
  ): Promise<TallyState>;
}

/** The name a worker gives the error when it could not open its own target connection. */
export const OWN_CONNECTION_REFUSED = 'OwnTargetConnectionRefused';

/** Where a worker may read a table's COPY on a connection of its own, and who hears when it cannot. */
export interface OwnTargetReads {
  settings: ConnectionSettings;
  /**
   * A snapshot exported by the transaction `client` holds (verify's REPEATABLE READ per table): the
   * worker's read imports it, and so sees exactly what `client` sees. Absent: the read is a COPY outside
   * any transaction (migrate's closing verify, whose `client` holds none).
   */
  snapshot?: string;
  /** The worker's connection could not be opened (the read then goes through the run's connection). */
  refused(table: string, reason: string): void;
  /** The worker read the table on its own connection (for a debug log line). */
  read?(table: string): void;
}

/**
 * The target side's tally for the streaming pass: every row of the table, in `tallier`'s worker. With
 * `own`, the worker reads the COPY itself on a connection of its own (a COPY outside any transaction, or
 * one in `client`'s exported snapshot, sees what `client` would); when that connection cannot be opened
 * or cannot take the snapshot (a server or role at its connection limit, say) `client` reads the COPY
 * after all, as it does without `own`, and the chunks go to the worker.
 */
export async function targetTally(
  client: pg.ClientBase,
  plan: TablePlan,
  cutoffMicros: number | null,
  spec: FirstLevelSpec,
  tallier: TargetTallier,
  own: OwnTargetReads | null = null,
): Promise<SideTally> {
  if (own) {
    try {
      const state = await tallier.copy(plan, cutoffMicros, spec, own.settings, own.snapshot ?? null);
      own.read?.(plan.targetName);
      return SideTally.fromState(state, spec);
    } catch (err) {
      if ((err as Error).name !== OWN_CONNECTION_REFUSED) throw err;
      own.refused(plan.targetName, (err as Error).message);
    }
  }
  const stream = client.query(copyOut(streamingCopySql(plan, cutoffMicros, tallier.format))) as AsyncIterable<Buffer>;
  return SideTally.fromState(await tallier.run(plan, cutoffMicros, spec, stream), spec);
}

/**
 * The streaming pass's COPY of a table's target side: binary (target-binary.ts), unless the run reads text
 * or a --grace test reads each row's values as text first; then the text format (target-side.ts).
 */
export function streamingCopySql(plan: TablePlan, cutoffMicros: number | null, format: TargetCopyFormat): string {
  return readsBinary(format, recentRowTest(plan, cutoffMicros)) ? binaryCopyOutSql(plan) : copyOutSql(plan);
}

/** Binary, unless the run reads text or a --grace test is to read the values as text. */
const readsBinary = (format: TargetCopyFormat, grace: RecentTest | null) => format === 'binary' && grace === null;

/** What reads streamingCopySql's output, chunk by chunk, into `tally` (made with the same --grace test). */
export function streamingTargetChunks(plan: TablePlan, tally: SideTally, format: TargetCopyFormat): TargetChunks {
  if (readsBinary(format, tally.recent)) return binaryTargetTally(plan, tally);
  const tallyLines = targetLineTallier(plan);
  const lines = targetCopyLines(plan);
  return {
    push: (chunk) => tallyLines(lines.push(chunk), tally),
    end: () => tallyLines(lines.end(), tally),
  };
}

/** Tallies a table's COPY output (streamingCopySql's) as it arrives, on this thread (the source worker's side of `TargetTallier`). */
export async function tallyCopyOutput(
  chunks: AsyncIterable<Buffer>,
  plan: TablePlan,
  cutoffMicros: number | null,
  spec: FirstLevelSpec,
  format: TargetCopyFormat,
): Promise<SideTally> {
  const tally = new SideTally(spec, recentRowTest(plan, cutoffMicros));
  const reader = streamingTargetChunks(plan, tally, format);
  for await (const chunk of chunks) reader.push(chunk);
  reader.end();
  return tally;
}
