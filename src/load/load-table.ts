// Loads one table: BEGIN; TRUNCATE; COPY … FREEZE fed by extract → transform → key checks; rejects and the
// ledger record in the same transaction; COMMIT. A retried table is reloaded from zero, never half twice.
// In a dry run the table was emptied by DELETE before (dry-run-locks.ts) and the COPY is a plain one.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { giveBack } from '../feed/batch-memory.js';
import { CopyIn } from './copy-in.js';
import type { TablePlan } from '../model/table-plan.js';
import { readAllParentKeys } from './parent-keys.js';
import { RejectSink } from './reject-sink.js';
import { insertTableLoad } from '../ledger/ledger.js';
import { qualified, quoteIdent } from '../pg/quote.js';
import type { LoadContext, StageTimes, TableLoadResult } from './load-context.js';
import { pausePoint } from '../runtime/pause-points.js';
import { SourceReadError } from '../model/errors.js';
import { BINARY_HEADER, BINARY_TRAILER, tableCopyFormat } from '../feed/copy-binary.js';

/**
 * SQLite refusing to go on reading the table (a damaged page, a file replaced meanwhile) is the source's
 * fault, not the target's: exit 2 naming file, table and cause — a resume would fail the same way.
 */
function sourceFailure(plan: TablePlan, err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  return new SourceReadError(
    `source ${plan.source.file}, table ${plan.source.table}: reading its rows failed (${(err as Error).message}); repair or replace the file (PRAGMA quick_check, on unless --no-quick-check, finds damage before anything is written), then run again`,
    { file: plan.source.file, table: plan.source.table },
    { cause: err },
  );
}

export async function loadTable(ctx: LoadContext, plan: TablePlan): Promise<TableLoadResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  ctx.progress.start(plan.targetName, ctx.expectedRows(plan));
  const stages: StageTimes = { extractMs: 0, transformMs: 0, copyMs: 0, rejectsMs: 0 };
  const defaults = ctx.defaults(plan);
  const format = tableCopyFormat(plan, defaults, ctx.copyFormat);

  const result = await ctx.transaction(async (client) => {
    const target = qualified(plan.target.schema, plan.target.table);
    // TRUNCATE in this transaction lets COPY FREEZE write rows already frozen (no later VACUUM rewrite).
    if (!ctx.dryRun) await client.query(`TRUNCATE ONLY ${target}`);
    const parents = await readAllParentKeys(client, plan);
    const sink = new RejectSink(ctx.runId, plan);
    let loaded = 0;
    let seen = 0;
    // Time the COPY stream spent waiting for rows (reading, converting, encoding: in a source worker,
    // concurrently with the COPY; else on this thread).
    let waitMs = 0;

    async function* copyChunks(): AsyncGenerator<Buffer | Uint8Array> {
      if (format === 'binary') yield BINARY_HEADER;
      const feed = ctx.feed(plan, { runId: ctx.runId, defaults, parents, format })[Symbol.asyncIterator]();
      for (;;) {
        const t = performance.now();
        const next = await feed.next().catch((err: unknown) => Promise.reject(sourceFailure(plan, err)));
        waitMs += performance.now() - t;
        if (next.done) break;
        const b = next.value;
        stages.extractMs += b.extractMs;
        stages.transformMs += b.transformMs;
        for (const r of b.rejects) sink.reject(r);
        for (const c of b.changes) sink.change(c);
        loaded += b.loaded;
        seen += b.seen;
        if (b.rejects.length > 0) ctx.rejectBudget.add(b.rejects.length, `${plan.sourceName}`);
        ctx.progress.update(plan.targetName, seen);
        if (b.data.length > 0) yield b.data;
      }
      if (format === 'binary') yield BINARY_TRAILER;
      // Every row is on its way and COPY is still open: a fault test stops here ("during a COPY").
      await pausePoint(`copy:${plan.targetName}`);
    }

    try {
      const columns = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
      // Each batch's buffer goes back to the worker that encoded it once the socket has written it (batch-memory.ts).
      const copy = client.query(
        new CopyIn(
          `COPY ${target} (${columns}) FROM STDIN WITH (FORMAT ${format}${ctx.dryRun ? '' : ', FREEZE true'})`,
          giveBack,
        ),
      );
      const tCopy = performance.now();
      await pipeline(Readable.from(copyChunks()), copy, ...(ctx.signal ? [{ signal: ctx.signal }] : []));
      stages.copyMs = performance.now() - tCopy - waitMs;
      const tRejects = performance.now();
      await sink.write(client);
      stages.rejectsMs = performance.now() - tRejects;
    } finally {
      sink.dispose();
    }
    const stageMs = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v)]));
    await insertTableLoad(client, {
      runId: ctx.runId,
      targetTable: plan.targetName,
      sourceFile: plan.source.file,
      sourceTable: plan.source.table,
      mappingHash: ctx.mappingHash,
      sourceRows: seen,
      loadedRows: loaded,
      rejectedRows: sink.rejectCount,
      changedValues: sink.changeCount,
      startedAt,
      stageMs,
    });
    if (sink.samples.length > 0) {
      // The row itself can be long (every value, escaped): not on a person's terminal unless asked for.
      ctx.log.debug({ table: plan.targetName, first: sink.samples[0] }, 'first rejected row');
    }
    return {
      seen,
      loaded,
      rejected: sink.rejectCount,
      changed: sink.changeCount,
      byCode: Object.fromEntries(sink.byCode),
    };
  });

  const durationMs = Math.round(performance.now() - t0);
  ctx.progress.finish(plan.targetName);
  return {
    plan,
    sourceRows: result.seen,
    loadedRows: result.loaded,
    rejectedRows: result.rejected,
    changedValues: result.changed,
    rejectsByCode: result.byCode,
    durationMs,
    stages: {
      extractMs: Math.round(stages.extractMs),
      transformMs: Math.round(stages.transformMs),
      copyMs: Math.round(stages.copyMs),
      rejectsMs: Math.round(stages.rejectsMs),
    },
    keptFromRun: null,
    copyFormat: format,
  };
}
