// A table's feed made on the main thread, when there is no source worker (running from the TypeScript
// sources, as the unit tests do): the same batches, one per turn of the event loop.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { tableFeed, type FeedBatch, type FeedSetup } from './table-feed.js';
import { keepSpare, returnable } from './batch-memory.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** tableFeed as an async iterable that lets the COPY stream and other tables run between batches. */
export async function* localFeed(db: Database.Database | null, plan: TablePlan, setup: FeedSetup): AsyncGenerator<FeedBatch> {
  for (const batch of tableFeed(db, plan, setup)) {
    // Encoded and written on this thread: the buffer comes back to this thread's spares.
    returnable(batch.data, keepSpare);
    yield batch;
    await nextTurn();
  }
}
