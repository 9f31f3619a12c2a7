// The verifier's own strict JSON reader (RFC 8259; numbers kept as their text, never through JSON.parse,
// which rounds big numbers) and the jsonb canonical form: the tree PostgreSQL's jsonb keeps, printed one way.
import { normaliseDecimalText, numericOverflow, parseDecimal, surelyFitsNumeric } from './canonical-number.js';

/** A JSON number, kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A JSON object's members in the order written, repeated keys included (jsonb keeps the last one). */
export class JsonObject {
  constructor(
    readonly keys: string[],
    readonly values: JsonValue[],
  ) {}
}

/** A parsed JSON value. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** How strictly to read: `jsonb` also refuses what PostgreSQL's jsonb cannot store exactly. */
export type JsonFlavour = 'json' | 'jsonb';

export type JsonResult = { ok: true; value: JsonValue } | { ok: false; reason: string };

class JsonError extends Error {}

/** An array (`items`) or object (`object`, with the key being read) still open. */
class Frame {
  constructor(
    readonly items: JsonValue[] | null,
    readonly object: JsonObject | null,
  ) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const NEGATIVE_ZERO = /^-0(?:\.0+)?(?:[eE][+-]?[0-9]+)?$/;

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
  constructor(
    readonly text: string,
    readonly jsonb: boolean,
  ) {}

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
          done = c === 123 ? new JsonObject([], []) : [];
        } else {
          open.push(c === 123 ? new Frame(null, new JsonObject([this.key()], [])) : new Frame([], null));
          continue;
        }
      } else {
        done = this.scalar();
      }
      // Hand the finished value to the innermost open container; close containers that end here.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return done;
        if (top.items !== null) top.items.push(done);
        else top.object!.values.push(done);
        this.skipSpace();
        const sep = this.text.charCodeAt(this.pos++);
        if (sep === 44) {
          this.skipSpace();
          if (top.object !== null) top.object.keys.push(this.key());
          break;
        }
        if (sep !== (top.items !== null ? 93 : 125))
          this.fail(top.items !== null ? "expected ',' or ']'" : "expected ',' or '}'");
        open.pop();
        done = top.items ?? top.object!;
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
      const t = m[0];
      if (t.charCodeAt(0) === 45 && NEGATIVE_ZERO.test(t))
        this.fail('negative zero: jsonb numbers have none (json_negative_zero)');
      const overflow = surelyFitsNumeric(t) ? null : numericOverflow(parseDecimal(t)!);
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
        if (this.jsonb && unit >= 0xd800 && unit <= 0xdfff)
          this.fail('unpaired surrogate escape (json_lone_surrogate)');
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

const WORDS: [string, JsonValue][] = [
  ['null', null],
  ['true', true],
  ['false', false],
];
const ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

/**
 * The jsonb canonical text: keys sorted as jsonb sorts them (shorter first, then by UTF-8 bytes), numbers
 * as their numeric value (`1E2` → `100`, `1.50` → `1.5`: jsonb equality compares numbers as numeric),
 * strings with only `"`, `\` and control characters escaped, separators `, ` and `: ` as PostgreSQL prints.
 */
export function canonicalJsonb(value: JsonValue): string {
  // A stack of open containers instead of recursion (see Reader.value).
  const open: Printing[] = [];
  let out = '';
  let next: JsonValue | undefined = value;
  for (;;) {
    if (next !== undefined) {
      const v: JsonValue = next;
      next = undefined;
      if (v === null) out += 'null';
      else if (v === true) out += 'true';
      else if (v === false) out += 'false';
      else if (typeof v === 'string') out += quote(v);
      else if (v instanceof JsonNumber) out += normaliseDecimalText(v.text);
      else if (Array.isArray(v)) {
        out += '[';
        open.push(new Printing(v, null, v.length));
      } else {
        out += '{';
        const order = jsonbMembers(v);
        open.push(new Printing(null, v, order.length, order));
      }
    }
    const top = open[open.length - 1];
    if (top === undefined) return out;
    const i = top.done++;
    if (i < top.length) {
      if (i > 0) out += ', ';
      if (top.items !== null) next = top.items[i];
      else {
        const member = top.order[i];
        out += quote(top.object!.keys[member]);
        out += ': ';
        next = top.object!.values[member];
      }
    } else {
      out += top.items !== null ? ']' : '}';
      open.pop();
    }
  }
}

/** The members jsonb keeps, in its order: indexes into the object, sorted by key, the last of a repeated key. */
function jsonbMembers(o: JsonObject): number[] {
  const { keys } = o;
  const n = keys.length;
  const order = new Array<number>(n);
  const lengths = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    lengths[i] = utf8Length(keys[i]); // once per key, not once per comparison
  }
  if (n < 2) return order;
  order.sort((a, b) => lengths[a] - lengths[b] || codePointOrder(keys[a], keys[b]) || a - b);
  let kept = 0;
  for (let i = 0; i < n; i++) if (i + 1 === n || keys[order[i + 1]] !== keys[order[i]]) order[kept++] = order[i];
  order.length = kept;
  return order;
}

/** An array or object being printed, and how many of its items or members are done. */
class Printing {
  done = 0;
  constructor(
    readonly items: JsonValue[] | null,
    readonly object: JsonObject | null,
    readonly length: number,
    readonly order: number[] = [],
  ) {}
}

/** A key's length in UTF-8 bytes: jsonb sorts keys shorter first, then by UTF-8 bytes (the same as code point order). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2; // a surrogate pair: 2 units, 4 bytes
  }
  return n;
}

/** Compares by code points: UTF-16 order, except that surrogates (astral characters) sort after U+E000–U+FFFF. */
function codePointOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

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
