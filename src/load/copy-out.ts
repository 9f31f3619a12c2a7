// `COPY … TO STDOUT` as a stream of chunks of row data, for verify's target side and the parent keys.
//
// pg-copy-streams' `to()` makes one Buffer slice per CopyData message — one per row — then joins them:
// at 1M rows, the allocations that grew the main thread's young generation and a third of its busy
// time in garbage collection. This reader copies each socket read's row bytes straight into one buffer
// of its own, so a chunk is a single allocation that owns its memory (it can move to a worker thread
// without a copy: worker/transfer.ts). The way it borrows the connection's socket from pg, hands an
// error back to pg's parser, and follows back-pressure is pg-copy-streams' copy-to.js (MIT), unchanged.
import { Readable, type Duplex } from 'node:stream';
import type { Connection, Submittable } from 'pg';

const ERROR_RESPONSE = 0x45; // E
const COPY_OUT_RESPONSE = 0x48; // H
const COPY_DATA = 0x64; // d
// May come between CopyData messages (protocol-flow.html, "COPY Operations"); anything else ends the copy.
const NOTICE_RESPONSE = 0x4e; // N
const NOTIFICATION_RESPONSE = 0x41; // A
const PARAMETER_STATUS = 0x53; // S

type DataHandler = (chunk: Buffer) => void;

/** One COPY TO STDOUT: pass it to `client.query()` and read it as a Readable of Buffers. */
export class CopyOutStream extends Readable implements Submittable {
  /** Rows the server reported (its CommandComplete), once the stream has ended. */
  rowCount = 0;
  #connection: Connection | null = null;
  #pgDataHandler: DataHandler | null = null;
  #forwarding = false;
  #wanted = false;
  /** The header (code + length) of the next message, when a socket read ended inside it. */
  #header = Buffer.alloc(5);
  #headerFill = 0;
  #code = 0;
  /** Payload bytes of the current message not seen yet. */
  #remaining = 0;
  /** Reused while one socket read is taken apart; each chunk handed on is an exact-size copy of it. */
  #scratch = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(readonly text: string) {
    super();
  }

  /** Called by pg's Client when this query's turn comes. */
  submit(connection: Connection): void {
    this.#connection = connection;
    const socket: Duplex = connection.stream;
    const handlers = socket.listeners('data') as DataHandler[];
    if (handlers.length !== 1) throw new Error(`COPY TO: expected pg's one data handler on the socket, found ${handlers.length}`);
    this.#pgDataHandler = handlers[0];
    socket.removeListener('data', this.#pgDataHandler);
    socket.pause();
    socket.on('readable', this.#onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.#wanted = true;
    this.#forward();
  }

  #onReadable = (): void => this.#forward();

  #forward(): void {
    if (this.#forwarding || !this.#wanted || !this.#connection) return;
    this.#forwarding = true;
    const socket = this.#connection.stream;
    let chunk: Buffer | null;
    while (this.#wanted && this.#connection && (chunk = socket.read() as Buffer | null) !== null) this.#parse(chunk);
    this.#forwarding = false;
  }

  /** Takes one socket read apart: row bytes to the output, the end of the copy or an error back to pg. */
  #parse(chunk: Buffer): void {
    let out = this.#scratch;
    if (out.length < chunk.length) out = this.#scratch = Buffer.allocUnsafeSlow(chunk.length);
    let outLen = 0;
    let pos = 0;
    let done = false;
    while (pos < chunk.length && !done) {
      if (this.#remaining === 0 && this.#code === 0) {
        // A message header: code and length, possibly split between socket reads.
        const start = pos;
        const take = Math.min(5 - this.#headerFill, chunk.length - pos);
        chunk.copy(this.#header, this.#headerFill, pos, pos + take);
        this.#headerFill += take;
        pos += take;
        if (this.#headerFill < 5) break;
        this.#headerFill = 0;
        const code = this.#header[0];
        if (code === ERROR_RESPONSE) {
          // pg parses the error (and what follows) and settles this query through handleError.
          const unread = Buffer.concat([this.#header.subarray(0, 5 - take), chunk.subarray(start)]);
          this.#emit(out, outLen);
          this.#detach(unread);
          return;
        }
        this.#code = code;
        this.#remaining = this.#header.readUInt32BE(1) - 4;
      }
      const n = Math.min(this.#remaining, chunk.length - pos);
      if (this.#code === COPY_DATA) {
        chunk.copy(out, outLen, pos, pos + n);
        outLen += n;
      }
      pos += n;
      this.#remaining -= n;
      if (this.#remaining === 0) {
        const code = this.#code;
        this.#code = 0;
        const passing = code === COPY_DATA || code === COPY_OUT_RESPONSE || code === NOTICE_RESPONSE || code === NOTIFICATION_RESPONSE || code === PARAMETER_STATUS;
        if (!passing) done = true; // CopyDone: what follows (CommandComplete, ReadyForQuery) is pg's
      }
    }
    this.#emit(out, outLen);
    if (done) {
      this.#detach(chunk.subarray(pos));
      this.push(null);
    }
  }

  /** Hands on the row bytes of one socket read as a buffer of their own. */
  #emit(out: Buffer, length: number): void {
    if (length === 0) return;
    const own = Buffer.allocUnsafeSlow(length);
    out.copy(own, 0, 0, length);
    this.#wanted = this.push(own);
  }

  /** Gives the socket back to pg, with the bytes it has not parsed yet. */
  #detach(unread: Buffer): void {
    const connection = this.#connection!;
    const socket = connection.stream;
    const handler = this.#pgDataHandler!;
    this.#connection = null;
    socket.removeListener('readable', this.#onReadable);
    socket.addListener('data', handler);
    if (unread.length > 0) handler(unread);
    // Resumed on the next tick, as pg-copy-streams does: pg's handler may pause the socket meanwhile.
    process.nextTick(() => socket.resume());
  }

  /** pg: the server refused or aborted the copy. */
  handleError(err: Error): void {
    this.destroy(err);
  }

  /** pg: `COPY n`. */
  handleCommandComplete(msg: { text?: string } | undefined): void {
    const match = /COPY (\d+)/.exec(msg?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}
}

/** `client.query(copyOut(sql))`: the copy's row data as a stream of Buffers. */
export function copyOut(sql: string): CopyOutStream {
  return new CopyOutStream(sql);
}
