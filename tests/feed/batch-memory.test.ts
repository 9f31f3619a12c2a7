// COPY batch buffers come back after the socket wrote them and are reused for later batches, in the
// thread that encodes them; anything else handed to giveBack is left alone.
import { describe, expect, it } from 'vitest';
import { batchBytes, giveBack, isBatchMemory, keepSpare, returnable } from '../../src/feed/batch-memory.js';

describe('batch memory', () => {
  it('a buffer given back is reused for the next batch that fits, with its bytes where they are written', () => {
    const first = batchBytes(70_000);
    expect(first.byteLength).toBe(70_000);
    expect(isBatchMemory(first.buffer)).toBe(true);
    first.fill(7);
    returnable(first, keepSpare);
    giveBack(first);
    const second = batchBytes(90_000);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteLength).toBe(90_000);
    second.set([1, 2, 3]);
    expect([...second.subarray(0, 4)]).toEqual([1, 2, 3, 7]);
    // Not given back: the next batch gets a buffer of its own.
    expect(batchBytes(10).buffer).not.toBe(second.buffer);
  });

  it('a batch larger than every spare gets a new buffer of its size; an empty batch owns no buffer', () => {
    const small = batchBytes(1000);
    returnable(small, keepSpare);
    giveBack(small);
    const big = batchBytes(small.buffer.byteLength + 1);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.buffer.byteLength).toBe(small.buffer.byteLength + 1);
    expect(batchBytes(0).byteLength).toBe(0);
    expect(isBatchMemory(batchBytes(0).buffer)).toBe(false);
    expect(batchBytes(500).buffer).toBe(small.buffer); // the spare is still there
  });

  it('giveBack returns a batch once, and ignores chunks that are not batches', () => {
    const returned: ArrayBuffer[] = [];
    const batch = batchBytes(100);
    returnable(batch, (b) => returned.push(b));
    giveBack(batch);
    giveBack(batch);
    giveBack(Buffer.from('header'));
    expect(returned).toEqual([batch.buffer]);
  });
});
