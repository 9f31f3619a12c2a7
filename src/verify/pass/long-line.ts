// A COPY line too long to hold as one string (a 100 MB bytea is a 200 MB line), read as it arrives: its
// long bytea, text and json fields are made canonical and hashed piece by piece into their stand-ins
// (long-value.ts), so the line that comes out is short and the target side holds no copy of the value.
import type { LongLineHook } from '../../pg/copy-out.js';
import type { Logical } from '../canonical/canonical-source.js';
import { LONG_VALUE_UNITS, LongValueDigest } from '../canonical/long-value.js';

/**
 * Raw field length from which a field is streamed: its canonical form is then surely long (a bytea's is
 * the field less `\\x`; a text's at least half the field, an escape being two characters).
 */
const STREAM_FIELD_UNITS = 2 * LONG_VALUE_UNITS + 8;

/**
 * What a field's stand-in is when its COPY text cannot be read piece by piece as its type (never from
 * PostgreSQL's own output): it starts with NUL like a stand-in, so it equals no source value, and the row
 * is reported as changed — a false alarm at worst, never a false match.
 */
const unreadable = (what: string) => `\u0000unreadable ${what}`;

/** One long field read piece by piece; end() gives its stand-in. */
interface FieldStream {
  feed(piece: string): void;
  end(): string;
}

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * text and json: COPY's escapes undone across pieces (a backslash ending one piece escapes the next's first character).
 */
function textStream(): FieldStream {
  const d = new LongValueDigest();
  let escaped = false;
  let bad: string | null = null;
  return {
    feed(piece) {
      if (bad) return;
      let from = 0;
      if (escaped && piece.length > 0) {
        const c = piece[0];
        if ((c >= '0' && c <= '7') || c === 'x') bad = 'text: an octal or hex escape';
        d.units(COPY_ESCAPES[c] ?? c);
        escaped = false;
        from = 1;
      }
      for (let at = piece.indexOf('\\', from); at >= 0; at = piece.indexOf('\\', from)) {
        d.units(piece, from, at);
        if (at + 1 === piece.length) {
          escaped = true;
          return;
        }
        const c = piece[at + 1];
        // PostgreSQL's COPY TO writes neither; the byte path of copyTextUnescape is not streamed.
        if ((c >= '0' && c <= '7') || c === 'x') bad = 'text: an octal or hex escape';
        d.units(COPY_ESCAPES[c] ?? c);
        from = at + 2;
      }
      d.units(piece, from, piece.length);
    },
    end() {
      if (escaped) d.units('\\');
      if (bad) return unreadable(bad);
      return d.length >= LONG_VALUE_UNITS ? d.standIn() : unreadable('text: shorter than streamed');
    },
  };
}

/** bytea in hex output: `\\x` (its backslash escaped), then hex digits, hashed lower-case. */
function byteaStream(): FieldStream {
  const d = new LongValueDigest();
  let prefix = '';
  let bad: string | null = null;
  return {
    feed(piece) {
      if (bad) return;
      if (prefix.length < 3) {
        const take = Math.min(3 - prefix.length, piece.length);
        prefix += piece.slice(0, take);
        piece = piece.slice(take);
        if (prefix.length === 3 && prefix !== '\\\\x') bad = 'bytea: not in hex output';
        if (bad || piece.length === 0) return;
      }
      if (piece.includes('\\')) bad = 'bytea: an escape among the hex digits';
      else d.units(piece.toLowerCase());
    },
    end() {
      if (bad) return unreadable(bad);
      return d.length >= LONG_VALUE_UNITS ? d.standIn() : unreadable('bytea: shorter than streamed');
    },
  };
}

const STREAMS: Partial<Record<Logical, () => FieldStream>> = { bytea: byteaStream, text: textStream, json: textStream };

/**
 * The long-line hook of CopyLines for a table's columns (the ctid a scan may add is read as text): fields
 * are cut at tabs as the pieces come; a field of a streamed type that grows past STREAM_FIELD_UNITS is
 * made canonical and hashed from then on, the others are kept as they are (a long jsonb, say, is still
 * gathered whole).
 */
export function longLineReader(logical: readonly Logical[]): () => LongLineHook {
  return () => {
    const fields: string[] = [];
    let parts: string[] = [];
    let partsLength = 0;
    let stream: FieldStream | null = null;
    const add = (s: string) => {
      if (stream) return stream.feed(s);
      parts.push(s);
      partsLength += s.length;
      const make = partsLength >= STREAM_FIELD_UNITS ? STREAMS[logical[fields.length]] : undefined;
      if (make) {
        stream = make();
        for (const p of parts) stream.feed(p);
        parts = [];
      }
    };
    const endField = () => {
      fields.push(stream ? stream.end() : parts.join(''));
      stream = null;
      parts = [];
      partsLength = 0;
    };
    return {
      feed(piece) {
        let at = 0;
        for (let tab = piece.indexOf('\t'); tab >= 0; tab = piece.indexOf('\t', at)) {
          if (tab > at) add(piece.slice(at, tab));
          endField();
          at = tab + 1;
        }
        if (at < piece.length) add(at === 0 ? piece : piece.slice(at));
      },
      end() {
        endField();
        return fields.join('\t');
      },
    };
  };
}
