// `COPY … TO STDOUT (FORMAT binary)` output cut into rows as it arrives: each row's fields as offsets into
// the bytes they came in, with no object per row or per field. A row split between reads is completed in
// a buffer of its own (only the bytes it still needs are copied there); a field too long to hold is handed
// piece by piece to whoever asked for it (verify hashes a 100 MB bytea that way) and stands in the row as
// the string that reader makes of it.

/** `PGCOPY\n\377\r\n\0`, then the flags and the header extension's length (protocol: COPY binary format). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/** A field's length word: -1 is NULL; READ_APART marks a field read by a LongFieldReader (no bytes follow). */
export const NULL_FIELD = -1;
export const READ_APART = -2;

/** Reads one long field piece by piece; end() gives what the field stands for in its row. */
export interface LongFieldReader {
  feed(bytes: Buffer, start: number, end: number): void;
  end(): string;
}

/**
 * Told a field's column and length when the field does not fit the bytes at hand and is at least
 * LONG_FIELD_MIN_BYTES long: a reader to take it piece by piece, or null to gather it whole.
 */
export type LongFieldHook = (column: number, length: number) => LongFieldReader | null;

/** A held row's buffer larger than this is let go once its row is handed on. */
const SHRINK_HELD_BYTES = 16 * 1024 * 1024;

/** Fields shorter than this are always gathered whole (a read's worth at most). */
export const LONG_FIELD_MIN_BYTES = 64 * 1024;

/**
 * One row: its fields' data at bytes[starts[i], starts[i] + lengths[i]); lengths[i] is NULL_FIELD for NULL
 * and READ_APART for a field a LongFieldReader read (its string in apart[i]). The arrays are reused.
 */
export type BinaryRowSink = (
  bytes: Buffer,
  starts: Int32Array,
  lengths: Int32Array,
  apart: readonly (string | null)[],
) => void;

function int32At(b: Buffer, p: number): number {
  return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
}

/**
 * Cuts binary COPY output into rows of `columns` fields, calling `sink` for each as soon as it is whole.
 * push() each chunk of row data (copy-out.ts), then end(); both throw on output that is not binary COPY.
 */
export class BinaryCopyRows {
  readonly #starts: Int32Array;
  readonly #lengths: Int32Array;
  readonly #apart: (string | null)[];
  /** Header bytes still to come (signature, flags, extension length, then the extension itself). */
  #header = HEADER_BYTES;
  #headerBytes = Buffer.alloc(HEADER_BYTES);
  #extension = -1;
  #done = false;
  /** The unfinished row's bytes so far (#held of them), when a row is split between chunks. */
  #row = Buffer.alloc(0);
  #held = 0;
  /** The field a LongFieldReader is reading, and its bytes still to come. */
  #reader: LongFieldReader | null = null;
  #readerColumn = 0;
  #readerLeft = 0;

  constructor(
    readonly columns: number,
    readonly sink: BinaryRowSink,
    readonly longField: LongFieldHook = () => null,
  ) {
    this.#starts = new Int32Array(columns);
    this.#lengths = new Int32Array(columns);
    this.#apart = new Array<string | null>(columns).fill(null);
  }

  push(chunk: Buffer): void {
    let pos = this.#skipHeader(chunk, 0);
    if (this.#reader) pos = this.#feedReader(chunk, pos);
    if (this.#held > 0 || this.#reader) pos = this.#completeHeldRow(chunk, pos);
    while (pos < chunk.length && !this.#done && !this.#reader && this.#held === 0) {
      const end = this.#walk(chunk, pos, chunk.length);
      if (end < 0) {
        // The row goes on in the next chunk: its bytes so far are held (or a long field's reader takes over).
        this.#hold(chunk, pos, chunk.length);
        this.#afterHold();
        return;
      }
      if (!this.#done) this.sink(chunk, this.#starts, this.#lengths, this.#apart);
      pos = end;
    }
    if (pos < chunk.length && this.#done) throw new Error('binary COPY output goes on after its trailer');
  }

  end(): void {
    if (!this.#done || this.#held > 0 || this.#reader)
      throw new Error('binary COPY output ended inside a row, or without its trailer');
  }

  /** Skips the file header (it may be split between chunks); the position after it in `chunk`. */
  #skipHeader(chunk: Buffer, pos: number): number {
    while (this.#header > 0 && pos < chunk.length) {
      if (this.#extension < 0) {
        const take = Math.min(this.#header, chunk.length - pos);
        chunk.copy(this.#headerBytes, HEADER_BYTES - this.#header, pos, pos + take);
        this.#header -= take;
        pos += take;
        if (this.#header > 0) break;
        if (!this.#headerBytes.subarray(0, SIGNATURE.length).equals(SIGNATURE))
          throw new Error('COPY output is not in binary format (no PGCOPY signature)');
        this.#extension = this.#headerBytes.readUInt32BE(HEADER_BYTES - 4);
        this.#header = this.#extension;
      } else {
        const take = Math.min(this.#header, chunk.length - pos);
        this.#header -= take;
        pos += take;
      }
    }
    return pos;
  }

  /**
   * Walks one row at b[pos, limit): its end when it is whole there (fields in #starts/#lengths), else -1.
   * The trailer (-1 as field count) ends the output: #done is then set.
   */
  #walk(b: Buffer, pos: number, limit: number): number {
    if (pos + 2 > limit) return -1;
    const count = (b[pos] << 8) | b[pos + 1];
    if (count === 0xffff) {
      this.#done = true;
      return pos + 2;
    }
    if (count !== this.columns)
      throw new Error(`binary COPY row has ${count} fields where ${this.columns} columns were asked for`);
    let p = pos + 2;
    for (let i = 0; i < count; i++) {
      if (p + 4 > limit) return -1;
      const length = int32At(b, p);
      p += 4;
      this.#starts[i] = p;
      this.#lengths[i] = length;
      if (length === NULL_FIELD || length === READ_APART) continue;
      if (length < 0) throw new Error(`binary COPY field of length ${length}`);
      if (p + length > limit) return -1;
      p += length;
    }
    return p;
  }

  /** Appends b[from, to) to the held row. */
  #hold(b: Buffer, from: number, to: number): void {
    const need = this.#held + (to - from);
    if (need > this.#row.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#row.length * 2, 4096));
      this.#row.copy(grown, 0, 0, this.#held);
      this.#row = grown;
    }
    b.copy(this.#row, this.#held, from, to);
    this.#held = need;
  }

  /**
   * After bytes were held: when the held row stops inside a long field that a reader takes, its bytes so
   * far go to the reader, and the row keeps only its length word, marked READ_APART.
   */
  #afterHold(): void {
    const gap = this.#gap();
    if (gap.column < 0 || gap.length < LONG_FIELD_MIN_BYTES) return;
    const reader = this.longField(gap.column, gap.length);
    if (!reader) return;
    const data = gap.lengthAt + 4;
    reader.feed(this.#row, data, this.#held);
    this.#row.writeInt32BE(READ_APART, gap.lengthAt);
    this.#reader = reader;
    this.#readerColumn = gap.column;
    this.#readerLeft = gap.length - (this.#held - data);
    this.#held = data;
  }

  /**
   * Where the held row stops: the bytes it needs before its walk gets further (a field count or
   * length word, or a field's rest), and the unfinished field when its length word is whole (its column,
   * where that word is, and the length; column -1 otherwise). A whole row needs 0.
   */
  #gap(): { need: number; column: number; lengthAt: number; length: number } {
    const none = { column: -1, lengthAt: 0, length: 0 };
    if (this.#held < 2) return { need: 2 - this.#held, ...none };
    let p = 2;
    for (let i = 0; i < this.columns; i++) {
      if (p + 4 > this.#held) return { need: p + 4 - this.#held, ...none };
      const length = int32At(this.#row, p);
      const end = p + 4 + (length > 0 ? length : 0);
      if (end > this.#held) return { need: end - this.#held, column: i, lengthAt: p, length };
      p = end;
    }
    return { need: 0, ...none }; // whole: its walk ends it
  }

  /** Hands the reader what this chunk holds of its field; the position after it. */
  #feedReader(chunk: Buffer, pos: number): number {
    const take = Math.min(this.#readerLeft, chunk.length - pos);
    if (take > 0) this.#reader!.feed(chunk, pos, pos + take);
    this.#readerLeft -= take;
    if (this.#readerLeft === 0) {
      this.#apart[this.#readerColumn] = this.#reader!.end();
      this.#reader = null;
    }
    return pos + take;
  }

  /**
   * Completes the held row from `chunk` with only the bytes it still needs (a field's length word, then
   * its data), hands it on, and gives the position in `chunk` after it.
   */
  #completeHeldRow(chunk: Buffer, pos: number): number {
    while (!this.#reader) {
      const end = this.#walk(this.#row, 0, this.#held);
      if (end >= 0) {
        if (!this.#done) this.sink(this.#row.subarray(0, this.#held), this.#starts, this.#lengths, this.#apart);
        this.#held = 0;
        this.#apart.fill(null);
        // A row gathered whole past a few MB does not keep its buffer for the small rows after it.
        if (this.#row.length > SHRINK_HELD_BYTES) this.#row = Buffer.alloc(0);
        return pos;
      }
      if (pos >= chunk.length) return pos;
      const take = Math.min(this.#gap().need, chunk.length - pos);
      this.#hold(chunk, pos, pos + take);
      pos += take;
      this.#afterHold();
      if (this.#reader) pos = this.#feedReader(chunk, pos);
    }
    return pos;
  }
}
