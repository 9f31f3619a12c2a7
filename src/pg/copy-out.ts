// `COPY … TO STDOUT` as a stream of chunks of row data, and the text lines in them, for verify's target
// side and the parent keys.
//
// pg-copy-streams' `to()` makes one Buffer slice per CopyData message — one per row — then joins them:
// allocations per row that grow the main thread's young generation and its time in garbage collection
// with the table. This reader gathers a socket read's row bytes inside the read itself
// (CopyDataFramer) and hands them on as one buffer of their own, which can move to a worker thread
// without a copy (runtime/transfer.ts). How it borrows the connection's socket from pg, hands the end of
// the copy or an error back to pg's parser, and follows back-pressure is pg-copy-streams' copy-to.js
// (MIT), unchanged.
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

/** What one socket read held: its row bytes (now at its start), and whether the copy goes on. */
export interface Framed {
  rowBytes: number;
  end: 'more' | 'done' | 'error';
  /** After the end: the bytes that are pg's to parse (an error includes its message header). */
  rest: Buffer;
}

/**
 * Splits the server's copy-out messages, read by read: the payloads of CopyData messages are the rows.
 * Row bytes are gathered at the start of the read itself (nothing else holds a read once taken, and a
 * message's bytes only ever move towards the start, so what is still to parse is never overwritten):
 * no object per row.
 */
export class CopyDataFramer {
  /** The header (code + length) of the next message, when a read ended inside it. */
  readonly #header = Buffer.alloc(5);
  #headerFill = 0;
  /** The current message's code; 0 between messages. */
  #code = 0;
  /** Payload bytes of the current message not read yet. */
  #remaining = 0;

  take(chunk: Buffer): Framed {
    let rowBytes = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#code === 0) {
        const start = pos;
        const carried = this.#headerFill;
        let code: number;
        let length: number;
        if (carried === 0 && chunk.length - pos >= 5) {
          code = chunk[pos];
          length = chunk.readUInt32BE(pos + 1);
          pos += 5;
        } else {
          while (this.#headerFill < 5 && pos < chunk.length) this.#header[this.#headerFill++] = chunk[pos++];
          if (this.#headerFill < 5) break;
          this.#headerFill = 0;
          code = this.#header[0];
          length = this.#header.readUInt32BE(1);
        }
        if (code === ERROR_RESPONSE)
          return {
            rowBytes,
            end: 'error',
            rest: Buffer.concat([this.#header.subarray(0, carried), chunk.subarray(start)]),
          };
        this.#code = code;
        this.#remaining = length - 4;
      }
      const n = Math.min(this.#remaining, chunk.length - pos);
      if (this.#code === COPY_DATA) {
        if (rowBytes !== pos) chunk.copyWithin(rowBytes, pos, pos + n);
        rowBytes += n;
      }
      pos += n;
      this.#remaining -= n;
      if (this.#remaining === 0) {
        const code = this.#code;
        this.#code = 0;
        const passing =
          code === COPY_DATA ||
          code === COPY_OUT_RESPONSE ||
          code === NOTICE_RESPONSE ||
          code === NOTIFICATION_RESPONSE ||
          code === PARAMETER_STATUS;
        if (!passing) return { rowBytes, end: 'done', rest: chunk.subarray(pos) }; // CopyDone
      }
    }
    return { rowBytes, end: 'more', rest: EMPTY };
  }
}

const EMPTY = Buffer.alloc(0);

/** One COPY TO STDOUT: pass it to `client.query()` and read it as a Readable of Buffers. */
export class CopyOutStream extends Readable implements Submittable {
  /** Rows the server reported (its CommandComplete), once the stream has ended. */
  rowCount = 0;
  #connection: Connection | null = null;
  #pgDataHandler: DataHandler | null = null;
  #forwarding = false;
  #wanted = false;
  /** Destroyed before the copy ended: the rest is read and dropped, so pg gets its connection back. */
  #discarding = false;
  readonly #framer = new CopyDataFramer();

  constructor(readonly text: string) {
    super();
  }

  /** Called by pg's Client when this query's turn comes. */
  submit(connection: Connection): void {
    this.#connection = connection;
    const socket: Duplex = connection.stream;
    const handlers = socket.listeners('data') as DataHandler[];
    if (handlers.length !== 1)
      throw new Error(`COPY TO: expected pg's one data handler on the socket, found ${handlers.length}`);
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
    if (this.#forwarding || !this.#connection) return;
    this.#forwarding = true;
    const socket = this.#connection.stream;
    let chunk: Buffer | null;
    // Reading waits while the stream holds back (back-pressure), except when the rest is to be dropped.
    while ((this.#wanted || this.#discarding) && this.#connection && (chunk = socket.read() as Buffer | null) !== null)
      this.#parse(chunk);
    this.#forwarding = false;
  }

  #parse(chunk: Buffer): void {
    const r = this.#framer.take(chunk);
    if (!this.#discarding) this.#emit(chunk, r.rowBytes);
    if (r.end === 'more') return;
    // The end of the copy, or an error: pg parses what follows (CommandComplete and ReadyForQuery, or
    // the ErrorResponse, which settles this query through handleError).
    this.#detach(r.rest);
    if (r.end === 'done' && !this.#discarding) this.push(null);
  }

  /**
   * A reader that stops early (a failed worker, a loop left by an exception) destroys the stream while
   * the server is still sending: the rest of the copy is read and dropped, so the connection is not
   * left stranded mid-protocol (pg-copy-streams leaves it so).
   */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#connection) {
      this.#discarding = true;
      this.#forward();
    }
    callback(err);
  }

  /** Hands on the first `length` bytes of a socket read (its row bytes) as a buffer of their own. */
  #emit(chunk: Buffer, length: number): void {
    if (length === 0) return;
    const own = Buffer.allocUnsafeSlow(length);
    own.set(chunk.subarray(0, length));
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

/**
 * Reads one line too long to hold whole, in decoded pieces (tabs and all), and gives the line to hand on
 * instead (verify's long-line.ts: long fields replaced by their digests).
 */
export interface LongLineHook {
  feed(piece: string): void;
  end(): string;
}

/** A line this long (UTF-16 code units) goes to the long-line hook, when there is one, from then on. */
export const LONG_LINE_UNITS = 8 * 1024 * 1024;

/**
 * Splits COPY text output into lines across chunk boundaries. A newline inside a value is always escaped
 * in COPY text, so every raw newline ends a row; the decoder keeps a character split between chunks whole.
 * A line longer than a chunk is gathered as decoded pieces joined once at its end, never by appending
 * chunk after chunk to it (quadratic in its length); past LONG_LINE_UNITS it goes piece by piece to the
 * long-line hook, when one is given, and is never held whole (a 100 MB bytea is a 200 MB line).
 */
export class CopyLines {
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** The unfinished line, decoded, in pieces. */
  #parts: string[] = [];
  #partsLength = 0;
  /** The unfinished line's reader, once it went past LONG_LINE_UNITS. */
  #long: LongLineHook | null = null;

  constructor(readonly longLine: (() => LongLineHook) | null = null) {}

  /** The complete lines this chunk ends. */
  push(chunk: Uint8Array): string[] {
    if (this.#long) {
      const end = chunk.indexOf(10);
      // A newline byte is never inside a UTF-8 sequence: the bytes before it decode whole.
      this.#long.feed(this.#decoder.decode(end < 0 ? chunk : chunk.subarray(0, end), { stream: true }));
      if (end < 0) return [];
      const line = this.#long.end();
      this.#long = null;
      const rest = this.push(chunk.subarray(end + 1));
      rest.unshift(line);
      return rest;
    }
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      const piece = this.#decoder.decode(chunk, { stream: true });
      this.#parts.push(piece);
      this.#partsLength += piece.length;
      if (this.longLine && this.#partsLength >= LONG_LINE_UNITS) {
        this.#long = this.longLine();
        for (const p of this.#parts) this.#long.feed(p);
        this.#parts = [];
        this.#partsLength = 0;
      }
      return [];
    }
    this.#parts.push(this.#decoder.decode(chunk.subarray(0, nl), { stream: true }));
    const text = this.#parts.length === 1 ? this.#parts[0] : this.#parts.join('');
    // The rest is decoded on its own, not sliced from `text`: a slice would keep a long line alive.
    const rest = this.#decoder.decode(chunk.subarray(nl + 1), { stream: true });
    this.#parts = [rest];
    this.#partsLength = rest.length;
    return text.split('\n');
  }

  /** The last line, if the output did not end with a newline. */
  end(): string[] {
    const tail = this.#decoder.decode();
    if (this.#long) {
      this.#long.feed(tail);
      const line = this.#long.end();
      this.#long = null;
      return [line];
    }
    this.#parts.push(tail);
    const rest = this.#parts.join('');
    this.#parts = [];
    this.#partsLength = 0;
    return rest.length > 0 ? [rest] : [];
  }
}
