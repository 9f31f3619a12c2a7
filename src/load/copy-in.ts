// COPY … FROM STDIN as a writable stream that node-postgres runs as a query of its own (a Submittable): each
// chunk goes to the socket as it is, behind a 5-byte CopyData header (no copy into a message buffer), and
// `written` hears of each chunk once the socket is done with it, so that its memory can be reused.
import { Writable } from 'node:stream';
import type pg from 'pg';

/** Message type bytes of the COPY sub-protocol. */
const COPY_DATA = 0x64;
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** What node-postgres hands a submitted query: its connection (the parts used here; its types omit sendCopyFail). */
type PgConnection = pg.Connection & { sendCopyFail(message: string): void };

export class CopyIn extends Writable implements pg.Submittable {
  /**
   * True once the server has asked for the data. Named as pg-copy-streams names it: pg/connection-guards.ts
   * reads it to tell a COPY this process is still feeding from one waiting on the network.
   */
  _gotCopyInResponse = false;
  /** Rows the server reports copied (its CommandComplete). */
  rowCount = 0;
  #connection: PgConnection | null = null;
  /** The server has ended the query (ReadyForQuery, or an error): nothing more may be sent for it. */
  #ended = false;
  /** A write or the end waiting for the server to ask for the data. */
  #onCopyIn: (() => void) | null = null;
  /** The end, told when the server is ready for the next query: 'finish' means the rows are in. */
  #onReady: ((err?: Error | null) => void) | null = null;
  /** A destroy waiting for the server to answer the CopyFail. */
  #onFailed: ((err?: Error | null) => void) | null = null;

  constructor(
    readonly text: string,
    private readonly written: (chunk: Uint8Array) => void = () => {},
  ) {
    super({ decodeStrings: false });
  }

  // --- node-postgres' side (the Submittable) ---

  submit(connection: pg.Connection): void {
    this.#connection = connection as PgConnection;
    connection.query(this.text);
  }

  /** Present so that pg's query_timeout can wrap it; this stream reports through its own events. */
  callback(): void {}

  handleCopyInResponse(): void {
    this._gotCopyInResponse = true;
    const go = this.#onCopyIn;
    this.#onCopyIn = null;
    go?.();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.callback();
    this.#end();
    // A CopyFail that came after the CopyDone is ignored by the server: the COPY ended as it was.
    const done = this.#onReady ?? this.#onFailed;
    this.#onReady = this.#onFailed = null;
    done?.();
  }

  /** The server refused the COPY (or the answer to a CopyFail), or the connection was lost. */
  handleError(err: Error): void {
    this.callback();
    this.#end();
    const failed = this.#onFailed ?? this.#onReady;
    this.#onFailed = this.#onReady = this.#onCopyIn = null;
    if (failed) failed(err);
    else this.destroy(err);
  }

  #end(): void {
    this.#ended = true;
    this.#connection = null;
  }

  // --- the stream's side ---

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this._gotCopyInResponse) {
      this.#onCopyIn = () => this.#send(chunk, cb);
      return;
    }
    this.#send(chunk, cb);
  }

  #send(chunk: Uint8Array, cb: (err?: Error | null) => void): void {
    const socket = this.#connection?.stream;
    if (!socket?.writable) return cb(new Error('COPY: the connection to the server is closed'));
    const header = Buffer.allocUnsafe(5);
    header[0] = COPY_DATA;
    header.writeUInt32BE(chunk.length + 4, 1);
    socket.write(header);
    const more = socket.write(chunk, (err) => {
      if (!err) this.written(chunk);
    });
    // Backpressure: the next chunk waits until the socket has room (or the query ends: handleError).
    if (more) cb();
    else socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    const done = () => {
      const socket = this.#connection?.stream;
      if (!socket?.writable) return cb(new Error('COPY: the connection to the server is closed'));
      this.#onReady = cb;
      socket.write(COPY_DONE);
    };
    if (this._gotCopyInResponse) done();
    else this.#onCopyIn = done;
  }

  /**
   * Stopped before the end (the feed failed, the run was aborted): a CopyFail makes the server roll the COPY
   * back, and the stream ends once the server has answered it (the connection is then ready for the next query).
   */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#ended || this.#connection?.stream.writable === false) return cb(err);
    // Not yet started (still queued on the client, or waiting for the server's CopyInResponse): the CopyFail
    // goes once it starts, else the connection would be left in COPY mode.
    const fail = () => {
      const connection = this.#connection;
      if (!connection?.stream.writable) return cb(err);
      this.#onFailed = () => cb(err);
      connection.sendCopyFail(err?.message ?? 'COPY stopped by sqlite2pg');
    };
    this.#onReady = null;
    if (this._gotCopyInResponse) fail();
    else this.#onCopyIn = fail;
  }
}
