// Collects a table's rejects and recorded policy changes while it loads, and writes them into
// sqlite2pg.rejects / sqlite2pg.changes in the same transaction as the table's rows.
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { TablePlan } from '../plan/table-plan.js';
import type { ValueChange } from '../transform/convert-row.js';
import type { SqliteValue } from '../transform/sqlite-value.js';
import { encodeCopyRow } from '../transform/copy-encode.js';
import { losslessRowJson, losslessValueJson } from '../transform/lossless-json.js';
import { Spool } from './spool.js';

export interface RejectRecord {
  key: string;
  column: string | null;
  code: string;
  reason: string;
}

export class RejectSink {
  private readonly rejects = new Spool();
  private readonly changes = new Spool();
  private readonly columnNames: string[];
  /** A few rejects kept for the log and the report. */
  readonly samples: (RejectRecord & { row: string })[] = [];
  readonly byCode = new Map<string, number>();

  constructor(private readonly runId: string, private readonly plan: TablePlan) {
    this.columnNames = plan.sourceColumns.map((c) => c.name);
  }

  get rejectCount(): number {
    return this.rejects.count;
  }

  get changeCount(): number {
    return this.changes.count;
  }

  reject(r: RejectRecord, values: SqliteValue[]): void {
    const row = losslessRowJson(this.columnNames, values.slice(0, this.columnNames.length));
    this.byCode.set(r.code, (this.byCode.get(r.code) ?? 0) + 1);
    if (this.samples.length < 5) this.samples.push({ ...r, row });
    const p = this.plan;
    this.rejects.push(encodeCopyRow([this.runId, p.source.file, p.source.table, r.key, p.targetName, r.column, r.code, r.reason, row]));
  }

  change(key: string, c: ValueChange): void {
    const p = this.plan;
    this.changes.push(encodeCopyRow([this.runId, p.source.file, p.source.table, key, p.targetName, c.column, c.policy, c.code, c.reason, losslessValueJson(c.original), c.written]));
  }

  /** COPYs what was collected; call inside the table's transaction, after its data COPY. */
  async write(client: pg.ClientBase): Promise<void> {
    try {
      if (this.rejects.count > 0) {
        await pipeline(
          this.rejects.stream(),
          client.query(copyFrom('COPY sqlite2pg.rejects (run_id, source_file, source_table, source_rowid, target_table, column_name, reason_code, reason, original_row) FROM STDIN')),
        );
      }
      if (this.changes.count > 0) {
        await pipeline(
          this.changes.stream(),
          client.query(copyFrom('COPY sqlite2pg.changes (run_id, source_file, source_table, source_rowid, target_table, column_name, policy, reason_code, reason, original_value, new_value) FROM STDIN')),
        );
      }
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.rejects.dispose();
    this.changes.dispose();
  }
}
