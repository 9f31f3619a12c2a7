// Collects a table's rejects and recorded policy changes while it loads, and writes them into
// sqlite2pg.rejects / sqlite2pg.changes in the same transaction as the table's rows.
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { TablePlan } from '../model/table-plan.js';
import { encodeCopyRow } from '../feed/copy-encode.js';
import { Spool } from './spool.js';
import type { FeedReject } from '../feed/table-feed.js';

export interface RejectRecord {
  key: string;
  column: string | null;
  code: string;
  reason: string;
}

export class RejectSink {
  private readonly rejects = new Spool();
  private readonly changes = new Spool();
  /** A few rejects kept for the log and the report. */
  readonly samples: (RejectRecord & { row: string })[] = [];
  readonly byCode = new Map<string, number>();

  constructor(
    private readonly runId: string,
    private readonly plan: TablePlan,
  ) {}

  get rejectCount(): number {
    return this.rejects.count;
  }

  get changeCount(): number {
    return this.changes.count;
  }

  /** A rejected row, as the table's feed reports it. */
  reject(r: FeedReject): void {
    this.byCode.set(r.code, (this.byCode.get(r.code) ?? 0) + 1);
    if (this.samples.length < 5)
      this.samples.push({ key: r.key, column: r.column, code: r.code, reason: r.reason, row: r.row });
    const p = this.plan;
    this.rejects.push(
      encodeCopyRow([
        this.runId,
        p.source.file,
        p.source.table,
        r.key,
        p.targetName,
        r.column,
        r.code,
        r.reason,
        r.row,
      ]),
    );
  }

  /** A sqlite2pg.changes line, as the table's feed encodes it. */
  change(line: string): void {
    this.changes.push(line);
  }

  /** COPYs what was collected; call inside the table's transaction, after its data COPY. */
  async write(client: pg.ClientBase): Promise<void> {
    try {
      if (this.rejects.count > 0) {
        await pipeline(
          this.rejects.stream(),
          client.query(
            copyFrom(
              'COPY sqlite2pg.rejects (run_id, source_file, source_table, source_rowid, target_table, column_name, reason_code, reason, original_row) FROM STDIN',
            ),
          ),
        );
      }
      if (this.changes.count > 0) {
        await pipeline(
          this.changes.stream(),
          client.query(
            copyFrom(
              'COPY sqlite2pg.changes (run_id, source_file, source_table, source_rowid, target_table, column_name, policy, reason_code, reason, original_value, new_value) FROM STDIN',
            ),
          ),
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
