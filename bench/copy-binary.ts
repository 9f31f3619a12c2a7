// Prototype COPY binary encoder for the estimates of stage-costs.ts: rows of converted text values as
// binary tuples, re-parsing the text, so that the cost of binary encoding on top of the text path can be
// set beside the text encoder's; sqlite2pg's own encoder is src/feed/copy-binary.ts.
export { BINARY_HEADER, BINARY_TRAILER } from '../src/feed/copy-binary.js';

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Microseconds since 2000-01-01 of `YYYY-MM-DD HH:MM:SS[.ffffff][+00]` (years 1000–9999 in this prototype). */
function timestampMicros(text: string): bigint {
  const ms = Date.UTC(
    +text.slice(0, 4),
    +text.slice(5, 7) - 1,
    +text.slice(8, 10),
    +text.slice(11, 13),
    +text.slice(14, 16),
    +text.slice(17, 19),
  );
  let micros = 0;
  if (text[19] === '.') {
    let end = 20;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    micros = Number(text.slice(20, end).padEnd(6, '0'));
  }
  return BigInt(ms - PG_EPOCH_MS) * 1000n + BigInt(micros);
}

/**
 * Writes binary tuples into one growing buffer (no Buffer per field): the way a real encoder would,
 * so its cost can be compared with the text encoder's.
 */
export class BinaryWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  /**
   * One tuple: field count, then per field its length (-1 for NULL) and bytes; integers and doubles from the raw SQLite
   * value when its class fits.
   */
  row(fields: (string | null)[], columns: { targetType: string; extractIndex: number }[], values?: unknown[]): void {
    this.room(2);
    this.buf.writeInt16BE(fields.length, this.at);
    this.at += 2;
    for (let i = 0; i < fields.length; i++) {
      const text = fields[i];
      if (text === null) {
        this.room(4);
        this.buf.writeInt32BE(-1, this.at);
        this.at += 4;
        continue;
      }
      const raw = values?.[columns[i].extractIndex];
      switch (columns[i].targetType) {
        case 'bigint':
          this.room(12);
          this.buf.writeInt32BE(8, this.at);
          this.buf.writeBigInt64BE(typeof raw === 'bigint' ? raw : BigInt(text), this.at + 4);
          this.at += 12;
          break;
        case 'double precision':
          this.room(12);
          this.buf.writeInt32BE(8, this.at);
          this.buf.writeDoubleBE(typeof raw === 'number' ? raw : Number(text), this.at + 4);
          this.at += 12;
          break;
        case 'timestamp':
        case 'timestamptz':
          this.room(12);
          this.buf.writeInt32BE(8, this.at);
          this.buf.writeBigInt64BE(timestampMicros(text), this.at + 4);
          this.at += 12;
          break;
        case 'jsonb':
        case 'text': {
          const json = columns[i].targetType === 'jsonb' ? 1 : 0;
          this.room(4 + json + text.length * 3);
          const n = this.buf.write(text, this.at + 4 + json, 'utf8');
          if (json) this.buf[this.at + 4] = 1; // jsonb binary format: version 1, then the text
          this.buf.writeInt32BE(n + json, this.at);
          this.at += 4 + json + n;
          break;
        }
        default:
          throw new Error(`the binary COPY prototype does not encode ${columns[i].targetType}`);
      }
    }
  }

  /** The bytes written so far, and a fresh start. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }
}
