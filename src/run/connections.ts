// How many target connections each command opens, and why: the pool every command sizes from here, and the
// connections source workers open of their own. The README's "Connections" paragraph says the same, once.

/** A command's target connections at most at any one time. */
export interface TargetConnections {
  /** The size of the run's pool (pg.Pool `max`): every connection the main thread uses comes from it. */
  pool: number;
  /** Connections the source workers open beside the pool, one per table being verified, to read its target side. */
  workerReads: number;
}

/** Migrate's lanes: --jobs tables at a time; a dry run writes through its one transaction, so one lane. */
export function migrateLanes(jobs: number, dryRun: boolean): number {
  return dryRun ? 1 : jobs;
}

/**
 * migrate: a connection per lane (a table's COPY and its keys each in a transaction of their own; a dry
 * run's single transaction is its one lane), the run lock's session, held from start to end, and one more
 * for what the lock does while every lane holds a connection: take itself back on a new connection after
 * a drop, or end the lanes' sessions when it is lost for good. The closing verify runs `jobs` tables at a
 * time on the lanes' connections; outside a dry run (whose verify reads inside its transaction) each
 * table's worker reads the target side on a connection of its own.
 */
export function migrateConnections(jobs: number, dryRun: boolean): TargetConnections {
  const lanes = migrateLanes(jobs, dryRun);
  return { pool: lanes + 2, workerReads: dryRun ? 0 : jobs };
}

/**
 * verify: per table being verified (--jobs at a time), the connection holding the table's snapshot and one
 * to read differing rows again, fresh, before they are reported, and one spare. Each table's worker reads its target
 * side in the table's snapshot, exported, on its own connection.
 */
export function verifyConnections(jobs: number): TargetConnections {
  return { pool: 2 * jobs + 1, workerReads: jobs };
}

/** rollback: the run lock's session and the one transaction that removes the run's rows. */
export const ROLLBACK_CONNECTIONS: TargetConnections = { pool: 2, workerReads: 0 };

/** check, history: one question at a time. */
export const ONE_CONNECTION: TargetConnections = { pool: 1, workerReads: 0 };
