// COPY text-format encoding: escapes, NULL marker, row framing, and a decoder that must undo it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCopyField, encodeCopyRow } from '../../src/feed/copy-encode.js';

/** PostgreSQL's reading of one COPY text field (the escapes we write, plus \N alone as NULL). */
function decodeField(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/gs, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c] ?? c);
}

function decodeRow(row: string): (string | null)[] {
  expect(row.endsWith('\n')).toBe(true);
  const body = row.slice(0, -1);
  expect(body).not.toMatch(/[\n\r]/);
  return body.split('\t').map(decodeField);
}

describe('encodeCopyField', () => {
  it('writes NULL as \\N and a text \\N as \\\\N', () => {
    expect(encodeCopyField(null)).toBe('\\N');
    expect(encodeCopyField('\\N')).toBe('\\\\N');
    expect(decodeField(encodeCopyField('\\N'))).toBe('\\N');
  });
  it('escapes backslash, tab, newline and carriage return', () => {
    expect(encodeCopyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(encodeCopyField('\\.')).toBe('\\\\.'); // never the end-of-data marker
  });
  it('returns plain text as the same string', () => {
    const s = 'plain text with “quotes”, commas, and 😀';
    expect(encodeCopyField(s)).toBe(s);
    expect(encodeCopyField('')).toBe('');
  });
  it('throws on a NUL, which no converter lets through', () => {
    expect(() => encodeCopyField('a\u0000b')).toThrow(/NUL/);
  });
  it('property: decoding gives back the text', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: fc.constantFrom('a', '\\', '\t', '\n', '\r', 'N', '.', 'é') })), (s) => {
        expect(decodeField(encodeCopyField(s))).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('encodeCopyRow', () => {
  it('joins fields with tabs and ends with a newline', () => {
    expect(encodeCopyRow(['1', null, 'a\tb', ''])).toBe('1\t\\N\ta\\tb\t\n');
    expect(encodeCopyRow([])).toBe('\n');
  });
  it('property: a row decodes to its fields', () => {
    const field = fc.option(fc.string({ unit: fc.constantFrom('x', '\\', '\t', '\n', '\r', 'N') }));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(decodeRow(encodeCopyRow(fields))).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });
});
