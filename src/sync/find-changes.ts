// Finds what a table's sync must change with verify's own machinery: the streaming pass's segment checksums,
// then localise narrowing the differing segments down to rows by key (missing, extra, changed), every one
// of them kept (verify keeps counts and a few samples).
import type { TableContext } from '../verify/pass/table-context.js';
import { firstLevel } from '../verify/verify-table.js';
import { checksumPass } from '../verify/pass/checksum-pass.js';
import { firstLevelSegments } from '../verify/pass/segments.js';
import { localise, type Pending } from '../verify/narrow/localise.js';
import { Findings, type Candidate } from '../verify/narrow/findings.js';

/** Findings that keep every differing row, for the sync to act on. */
class AllFindings extends Findings {
  readonly all: Candidate[] = [];

  constructor() {
    super(0);
  }

  override add(c: Candidate): void {
    super.add(c);
    this.all.push(c);
  }
}

/** What comparing a table found. */
export interface TableChanges {
  candidates: Candidate[];
  /** Source rows read. */
  sourceRows: number;
  /** Target rows read. */
  targetRows: number;
  /** Source rows --grace left out (for a later sync). */
  graceSource: number;
}

/**
 * Compares the table's two sides (the context's source file snapshot, and its client's transaction on the
 * target) and returns every row that differs. The context's `source` options name no rejects and no
 * changes: rows the earlier load rejected or changed by policy are compared as they are, so they come back
 * as candidates and are looked at again (a reject that now converts is loaded, a changed original is seen).
 */
export async function findChanges(ctx: TableContext): Promise<TableChanges> {
  const spec = await firstLevel(ctx);
  const { source, target, counts } = await checksumPass(ctx, spec);
  const findings = new AllFindings();
  if (!source.acc.equals(target.acc)) {
    const pending: Pending[] = [];
    firstLevelSegments(spec).forEach((seg, i) => {
      if (!source.sums.same(target.sums, i))
        pending.push({ seg, rows: Math.max(source.sums.counts[i], target.sums.counts[i]) });
    });
    await localise(ctx, pending, findings);
  }
  return {
    candidates: findings.all,
    sourceRows: counts.rows,
    targetRows: target.seen,
    graceSource: source.excluded,
  };
}
