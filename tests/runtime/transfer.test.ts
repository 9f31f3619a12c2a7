// COPY-out chunks move to the tally workers without a copy when they own their memory, and are copied
// (never detached under someone else) when they are a view into a larger buffer.
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { transferListOf } from '../../src/runtime/transfer.js';

function send(bytes: Uint8Array): Uint8Array {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(bytes, transferListOf(bytes));
  const got = receiveMessageOnPort(port2)!.message as Uint8Array;
  port1.close();
  return got;
}

describe('transferListOf', () => {
  it('moves a buffer that owns its memory: the receiver has the bytes, the sender none', () => {
    const chunk = Buffer.alloc(65536, 7);
    chunk.write('id\tvalue\n');
    const got = send(chunk);
    expect(Buffer.from(got).subarray(0, 9).toString()).toBe('id\tvalue\n');
    expect(got.byteLength).toBe(65536);
    expect(got[65535]).toBe(7);
    expect(chunk.byteLength).toBe(0); // detached: moved, not copied
  });

  it('copies a view into a larger buffer and leaves the buffer intact for its other users', () => {
    const whole = Buffer.alloc(1024, 1);
    const view = whole.subarray(10, 20);
    view.fill(9);
    expect(transferListOf(view)).toEqual([]);
    const got = send(view);
    expect([...got]).toEqual(new Array(10).fill(9));
    expect(whole.byteLength).toBe(1024);
    expect(whole[0]).toBe(1);
    expect(whole[15]).toBe(9);
  });

  it("copies a small Buffer from Node's shared pool", () => {
    const small = Buffer.from('abc');
    expect(transferListOf(small)).toEqual([]);
    expect(Buffer.from(send(small)).toString()).toBe('abc');
    expect(small.toString()).toBe('abc');
  });

  it('copies bytes in shared memory, and an empty buffer', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    expect(transferListOf(shared)).toEqual([]);
    expect(transferListOf(new Uint8Array(0))).toEqual([]);
  });
});
