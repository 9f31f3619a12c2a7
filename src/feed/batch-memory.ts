// The memory of COPY batches, reused: a source worker encodes each batch into a buffer, the main thread
// writes it to the socket, and once the socket is done with it the buffer goes back to the worker for a
// later batch. Otherwise every batch would be malloc'ed by the worker and freed only when the main
// thread's garbage collector ran: the worker's malloc arena would keep as much as the main thread had not
// yet collected, and the peak memory would vary from run to run with the collector's timing.

/** A batch buffer's smallest size: a batch is handed on at 64 KB (table-feed.ts), plus the last row. */
const MIN_BYTES = 160 * 1024;
/** Spare buffers a thread keeps: the feeds' windows in flight, with room to spare. */
const MAX_SPARE = 32;
/** A larger buffer (grown for one long row) is not kept: a 100 MB BLOB's batch would stay in memory for good. */
const MAX_SPARE_BYTES = 4 * MIN_BYTES;

// --- the encoding thread's half ---

const spare: ArrayBuffer[] = [];
const ours = new WeakSet<ArrayBuffer>();

/** `n` bytes for a batch, in a spare buffer when one is big enough (its ArrayBuffer may be longer). */
export function batchBytes(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  for (let i = spare.length - 1; i >= 0; i--) {
    if (spare[i].byteLength >= n) return new Uint8Array(spare.splice(i, 1)[0], 0, n);
  }
  const buffer = new ArrayBuffer(Math.max(n, MIN_BYTES));
  ours.add(buffer);
  return new Uint8Array(buffer, 0, n);
}

/** True for a buffer batchBytes made: it may move to another thread whole, whatever the view's length. */
export function isBatchMemory(buffer: ArrayBufferLike): boolean {
  return ours.has(buffer as ArrayBuffer);
}

/** A batch buffer back from the thread that wrote it out. */
export function keepSpare(buffer: ArrayBuffer): void {
  if (spare.length >= MAX_SPARE || buffer.byteLength === 0 || buffer.byteLength > MAX_SPARE_BYTES) return; // dropped: the collector frees it
  ours.add(buffer);
  spare.push(buffer);
}

// --- the writing thread's half ---

const owners = new WeakMap<ArrayBuffer, (buffer: ArrayBuffer) => void>();

/** Marks a received batch: `back` returns its buffer to the thread that encoded it. */
export function returnable(data: Uint8Array, back: (buffer: ArrayBuffer) => void): void {
  owners.set(data.buffer as ArrayBuffer, back);
}

/**
 * Called once the socket has written `chunk`: a returnable batch's buffer goes back (and `chunk` is
 * detached, so nothing here may touch it again); any other chunk is left to the collector.
 */
export function giveBack(chunk: Uint8Array): void {
  const buffer = chunk.buffer as ArrayBuffer;
  const back = owners.get(buffer);
  if (!back) return;
  owners.delete(buffer);
  back(buffer);
}
