// The verifier's own strict JSON reader (RFC 8259; numbers kept as their text, never through JSON.parse,
// which rounds big numbers) and the jsonb canonical form: the tree PostgreSQL's jsonb keeps, printed one way.
import { numericOverflow, parseDecimal, plainDecimal } from './canonical-number.js';

/** A JSON number, kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A parsed JSON value; objects keep the last value of a repeated key (as jsonb does). */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

/** How strictly to read: `jsonb` also refuses what PostgreSQL's jsonb cannot store exactly. */
export type JsonFlavour = 'json' | 'jsonb';

export type JsonResult = { ok: true; value: JsonValue } | { ok: false; reason: string };

class JsonError extends Error {}

/** An array or object still being read. */
type Frame = { items: JsonValue[] } | { map: Map<string, JsonValue>; key: string };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Reads one JSON text, refusing anything RFC 8259 does not allow (and, for jsonb, what jsonb cannot hold). */
export function parseJson(text: string, flavour: JsonFlavour): JsonResult {
  const reader = new Reader(text, flavour === 'jsonb');
  try {
    reader.skipSpace();
    const value = reader.value();
    reader.skipSpace();
    if (reader.pos !== text.length) reader.fail('text after the JSON value');
    return { ok: true, value };
  } catch (err) {
    if (err instanceof JsonError) return { ok: false, reason: err.message };
    throw err;
  }
}

class Reader {
  pos = 0;
  constructor(readonly text: string, readonly jsonb: boolean) {}

  fail(why: string): never {
    throw new JsonError(`${why} at offset ${this.pos}`);
  }

  skipSpace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = t.charCodeAt(++this.pos);
  }

  /**
   * One value, with an explicit stack of open arrays and objects rather than recursion: PostgreSQL
   * accepts nesting deeper than a JavaScript call stack allows (10000 levels and more).
   */
  value(): JsonValue {
    const open: Frame[] = [];
    for (;;) {
      let done: JsonValue;
      const c = this.text.charCodeAt(this.pos);
      if (c === 123 || c === 91) {
        this.pos++;
        this.skipSpace();
        const close = c === 123 ? 125 : 93;
        if (this.text.charCodeAt(this.pos) === close) {
          this.pos++;
          done = c === 123 ? new Map() : [];
        } else {
          open.push(c === 123 ? { map: new Map(), key: this.key() } : { items: [] });
          continue;
        }
      } else {
        done = this.scalar();
      }
      // Hand the finished value to the innermost open container; close containers that end here.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return done;
        if ('items' in top) top.items.push(done);
        else {
          top.map.delete(top.key); // a repeated key: the last one wins
          top.map.set(top.key, done);
        }
        this.skipSpace();
        const sep = this.text.charCodeAt(this.pos++);
        if (sep === 44) {
          this.skipSpace();
          if (!('items' in top)) top.key = this.key();
          break;
        }
        if (sep !== ('items' in top ? 93 : 125)) this.fail('items' in top ? "expected ',' or ']'" : "expected ',' or '}'");
        open.pop();
        done = 'items' in top ? top.items : top.map;
      }
    }
  }

  /** An object key and its ':', leaving the position at the value. */
  key(): string {
    if (this.text.charCodeAt(this.pos) !== 34) this.fail('expected a string key');
    const key = this.string();
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== 58) this.fail("expected ':'");
    this.pos++;
    this.skipSpace();
    return key;
  }

  scalar(): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    for (const [word, value] of WORDS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    for (const word of ['NaN', 'Infinity']) {
      if (this.text.startsWith(word, this.pos)) this.fail(`non-finite number ${word} (json_non_finite)`);
    }
    return this.fail('not a JSON value');
  }

  number(): JsonNumber {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '-') {
      if (this.text.startsWith('-Infinity', this.pos)) this.fail('non-finite number -Infinity (json_non_finite)');
      this.fail('malformed number');
    }
    this.pos += m[0].length;
    if (this.jsonb) {
      const dec = parseDecimal(m[0])!;
      if (dec.neg && dec.digits === '') this.fail('negative zero: jsonb numbers have none (json_negative_zero)');
      const overflow = numericOverflow(dec);
      if (overflow) this.fail(`${overflow} (out_of_range)`);
    }
    return new JsonNumber(m[0]);
  }

  string(): string {
    const t = this.text;
    let i = ++this.pos;
    let out = '';
    let chunk = i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in a string');
      }
      if (c !== 92) {
        i++;
        continue;
      }
      out += t.slice(chunk, i);
      this.pos = i;
      const e = t.charCodeAt(i + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 117) {
        const unit = this.hex4(i + 2);
        i += 6;
        if (unit >= 0xd800 && unit <= 0xdbff && t.charCodeAt(i) === 92 && t.charCodeAt(i + 1) === 117) {
          const low = this.hex4(i + 2);
          if (low >= 0xdc00 && low <= 0xdfff) {
            out += String.fromCharCode(unit, low);
            i += 6;
            chunk = i;
            continue;
          }
        }
        if (this.jsonb && unit >= 0xd800 && unit <= 0xdfff) this.fail('unpaired surrogate escape (json_lone_surrogate)');
        if (this.jsonb && unit === 0) this.fail('\\u0000 escape: jsonb cannot hold it (json_nul)');
        out += String.fromCharCode(unit);
      } else {
        this.fail('invalid escape');
      }
      chunk = i;
    }
    out += t.slice(chunk, i);
    this.pos = i + 1;
    return out;
  }

  hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('invalid \\u escape');
    return parseInt(h, 16);
  }
}

const WORDS: [string, JsonValue][] = [['null', null], ['true', true], ['false', false]];
const ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

/**
 * The jsonb canonical text: keys sorted as jsonb sorts them (shorter first, then by UTF-8 bytes), numbers
 * as their numeric value (`1E2` → `100`, `1.50` → `1.5`: jsonb equality compares numbers as numeric),
 * strings with only `"`, `\` and control characters escaped, separators `, ` and `: ` as PostgreSQL prints.
 */
export function canonicalJsonb(value: JsonValue): string {
  let out = '';
  // Work list instead of recursion (see Reader.value): values still to print, and punctuation.
  const todo: (JsonValue | Punct)[] = [value];
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (v instanceof Punct) out += v.text;
    else if (v === null) out += 'null';
    else if (v === true) out += 'true';
    else if (v === false) out += 'false';
    else if (typeof v === 'string') out += quote(v);
    else if (v instanceof JsonNumber) out += plainDecimal(parseDecimal(v.text)!);
    else if (Array.isArray(v)) {
      out += '[';
      todo.push(CLOSE_ARRAY);
      for (let i = v.length - 1; i >= 0; i--) todo.push(v[i], ...(i > 0 ? [COMMA] : []));
    } else {
      out += '{';
      todo.push(CLOSE_OBJECT);
      const keys = [...v.keys()].map((k) => ({ k, b: Buffer.from(k, 'utf8') }));
      keys.sort((x, y) => x.b.length - y.b.length || Buffer.compare(x.b, y.b));
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push(v.get(keys[i].k)!, new Punct(`${quote(keys[i].k)}: `), ...(i > 0 ? [COMMA] : []));
      }
    }
  }
  return out;
}

class Punct {
  constructor(readonly text: string) {}
}
const COMMA = new Punct(', ');
const CLOSE_ARRAY = new Punct(']');
const CLOSE_OBJECT = new Punct('}');

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20) out += ch;
    else out += SHORT[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

const SHORT: Record<number, string> = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t' };
