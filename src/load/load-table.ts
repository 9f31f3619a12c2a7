// Loads one table: BEGIN; TRUNCATE; COPY … FREEZE fed by extract → transform → key checks; rejects and the
// ledger record in the same transaction; COMMIT. A retried table is reloaded from zero, never half twice.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { from as copyFrom } from 'pg-copy-streams';
import type { TablePlan } from '../plan/table-plan.js';
import { readPages } from '../extract/read-rows.js';
import { countRows } from '../extract/introspect.js';
import { makeRowConverter } from '../transform/convert-row.js';
import { encodeCopyRow } from '../transform/copy-encode.js';
import { KeyGuard } from './key-guard.js';
import { selfReferenceOrphans } from './self-reference.js';
import { RejectSink } from './reject-sink.js';
import { insertTableLoad } from './ledger.js';
import { qualified, quoteIdent } from './quote.js';
import type { LoadContext, StageTimes, TableLoadResult } from './load-context.js';
import { pausePoint } from '../pause-points.js';

/** Bytes gathered before a write to the COPY stream: tens of KB per write keeps syscalls few. */
const CHUNK_BYTES = 64 * 1024;

export async function loadTable(ctx: LoadContext, plan: TablePlan): Promise<TableLoadResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const db = ctx.sourceDb(plan.source.file);
  const sourceRows = plan.sourceExists && db ? countRows(db, plan.source.table) : 0;
  ctx.progress.start(plan.targetName, sourceRows);
  const stages: StageTimes = { extractMs: 0, transformMs: 0, copyMs: 0, rejectsMs: 0 };

  const result = await ctx.transaction(async (client) => {
    const target = qualified(plan.target.schema, plan.target.table);
    // TRUNCATE in this transaction lets COPY FREEZE write rows already frozen (no later VACUUM rewrite).
    await client.query(`TRUNCATE ONLY ${target}`);
    const guard = await KeyGuard.create(client, plan);
    const convert = makeRowConverter(plan, ctx.defaults(plan));
    // Rows whose self-reference points at no row of this table: rejected before they reach COPY.
    const orphans = await selfReferenceOrphans(client, db, plan, convert);
    const sink = new RejectSink(ctx.runId, plan);
    let loaded = 0;
    let seen = 0;

    async function* copyChunks(): AsyncGenerator<string> {
      let buf = '';
      let tExtract = performance.now();
      for await (const page of readPages(db, plan)) {
        const tTransform = performance.now();
        stages.extractMs += tTransform - tExtract;
        const rejectsBefore = sink.rejectCount;
        for (const row of page) {
          const out = convert(row.values);
          if (!out.ok) {
            sink.reject({ key: row.key, column: out.column, code: out.code, reason: out.reason }, row.values);
            continue;
          }
          const violation = orphans.get(row.key) ?? (guard.active ? guard.check(out.fields) : null);
          if (violation) {
            sink.reject({ key: row.key, column: violation.column, code: violation.code, reason: violation.reason }, row.values);
            continue;
          }
          if (out.changes) for (const c of out.changes) sink.change(row.key, c);
          buf += encodeCopyRow(out.fields);
          loaded++;
        }
        seen += page.length;
        if (sink.rejectCount > rejectsBefore) ctx.rejectBudget.add(sink.rejectCount - rejectsBefore, `${plan.sourceName}`);
        ctx.progress.update(plan.targetName, seen);
        stages.transformMs += performance.now() - tTransform;
        if (buf.length >= CHUNK_BYTES) {
          yield buf;
          buf = '';
        }
        tExtract = performance.now();
      }
      if (buf.length > 0) yield buf;
      // Every row is on its way and COPY is still open: a fault test stops here ("during a COPY").
      await pausePoint(`copy:${plan.targetName}`);
    }

    try {
      const columns = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
      const copy = client.query(copyFrom(`COPY ${target} (${columns}) FROM STDIN WITH (FORMAT text, FREEZE true)`));
      const tCopy = performance.now();
      await pipeline(Readable.from(copyChunks()), copy);
      stages.copyMs = performance.now() - tCopy - stages.extractMs - stages.transformMs;
      const tRejects = performance.now();
      await sink.write(client);
      stages.rejectsMs = performance.now() - tRejects;
    } finally {
      sink.dispose();
    }
    const stageMs = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v)]));
    await insertTableLoad(client, {
      runId: ctx.runId, targetTable: plan.targetName, sourceFile: plan.source.file, sourceTable: plan.source.table,
      mappingHash: ctx.mappingHash, sourceRows: seen, loadedRows: loaded, rejectedRows: sink.rejectCount,
      changedValues: sink.changeCount, startedAt, stageMs,
    });
    if (sink.samples.length > 0) {
      ctx.log.warn({ table: plan.targetName, rejected: sink.rejectCount, byCode: Object.fromEntries(sink.byCode), first: sink.samples[0] }, 'rows rejected');
    }
    return { seen, loaded, rejected: sink.rejectCount, changed: sink.changeCount, byCode: Object.fromEntries(sink.byCode) };
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
    stages: { extractMs: Math.round(stages.extractMs), transformMs: Math.round(stages.transformMs), copyMs: Math.round(stages.copyMs), rejectsMs: Math.round(stages.rejectsMs) },
    keptFromRun: null,
  };
}
