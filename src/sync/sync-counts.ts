// What a sync did to one table, counted: the report's per-table figures.

export interface SyncCounts {
  /** Rows new in the source, inserted. */
  inserted: number;
  /** Rows changed in the source, updated in place. */
  updated: number;
  /** Rows gone from the source, deleted (only rows sqlite2pg wrote). */
  deleted: number;
  /** Rows that cannot be written (any more): recorded in sqlite2pg.rejects, absent from the target. */
  newlyRejected: number;
  /** Rows an earlier run rejected that are written now. */
  reloaded: number;
  /** Rows an earlier run rejected that still cannot be written. */
  stillRejected: number;
  /** Source rows that needed nothing (rows left by --grace not included). */
  unchanged: number;
  /** Target rows with no source row that sqlite2pg did not write: reported, left in place. */
  extraLeft: number;
  /** Deletes a foreign key still refused after the children's turn: left for the next sync. */
  blocked: number;
  /** Source rows written within --grace: left for the next sync, changed or not (verify leaves them out too). */
  inFlight: number;
}

export function emptyCounts(): SyncCounts {
  return {
    inserted: 0,
    updated: 0,
    deleted: 0,
    newlyRejected: 0,
    reloaded: 0,
    stillRejected: 0,
    unchanged: 0,
    extraLeft: 0,
    blocked: 0,
    inFlight: 0,
  };
}

export function addCounts(a: SyncCounts, b: SyncCounts): SyncCounts {
  const out = emptyCounts();
  for (const k of Object.keys(out) as (keyof SyncCounts)[]) out[k] = a[k] + b[k];
  return out;
}
