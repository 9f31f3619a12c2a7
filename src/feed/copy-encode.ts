// Encodes converted values as COPY text-format fields and rows, the form load streams into PostgreSQL
// for tables binary COPY cannot take (copy-binary.ts), and the form of the rejects and changes tables.
import { fieldText, type Field } from '../transform/field.js';
import { byteaHex } from '../transform/bytes.js';

/**
 * Characters COPY text format gives a meaning to: backslash (escape), tab (field separator), newline and
 * carriage return (row end) — https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2.
 * NUL is listed only so that one test finds it: no PostgreSQL text can hold it, and converters never
 * produce it.
 */
const SPECIAL = /[\\\t\n\r\u0000]/;
const SPECIAL_ALL = /[\\\t\n\r\u0000]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escape(c: string): string {
  const e = ESCAPES[c];
  if (e === undefined) throw new Error('a NUL character cannot travel in COPY text format (converters reject it)');
  return e;
}

/**
 * One field in COPY text format: NULL is `\N`; a backslash, tab, newline or carriage return is escaped,
 * so a text that is the two characters `\N` goes as `\\N` and arrives as it was.
 */
export function encodeCopyField(text: string | null): string {
  if (text === null) return '\\N';
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, escape) : text;
}

/** A BLOB the fast path kept, as a COPY text field: bytea's `\x` hex input, its backslash escaped. */
function bytesField(f: Uint8Array): string {
  return `\\${byteaHex(f)}`;
}

/** One row in COPY text format: fields separated by tabs, ended by a newline. */
export function encodeCopyRow(fields: readonly Field[]): string {
  let row = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) row += '\t';
    const f = fields[i];
    row +=
      typeof f === 'string' || f === null ? encodeCopyField(f) : f instanceof Uint8Array ? bytesField(f) : fieldText(f);
  }
  return row + '\n';
}

/**
 * Logical types whose PostgreSQL text, as the converters write it, never holds a character COPY text
 * escapes (digits, signs, `.`, `e`, `-`, `:`, spaces, `t`/`f`): their fields skip the escape test.
 */
const PLAIN_TYPES: ReadonlySet<string> = new Set([
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'boolean',
  'timestamp',
  'timestamptz',
  'date',
]);

/**
 * The COPY text row encoder for columns of these logical types: encodeCopyRow's output, with the escape
 * test left out for types that never need it.
 */
export function copyRowEncoder(logical: readonly string[]): (fields: readonly Field[]) => string {
  const plain = logical.map((l) => PLAIN_TYPES.has(l));
  return (fields) => {
    let row = '';
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      // A number the fast path kept is written as its converter would have (digits, never an escape).
      // Strings first: most fields are, and they need no instanceof test.
      const field =
        typeof f === 'string'
          ? plain[i]
            ? f
            : encodeCopyField(f)
          : f === null
            ? '\\N'
            : f instanceof Uint8Array
              ? bytesField(f)
              : (fieldText(f) as string);
      row = i === 0 ? field : `${row}\t${field}`;
    }
    return `${row}\n`;
  };
}
