// Unit tests of the verifier's own JSON reader and of the jsonb canonical form.
import { describe, expect, it } from 'vitest';
import { JsonNumber, canonicalJsonb, parseJson } from '../../../src/verify/canonical/canonical-json.js';

const jsonb = (text: string): string => {
  const r = parseJson(text, 'jsonb');
  return r.ok ? canonicalJsonb(r.value) : `!${r.reason}`;
};

describe('parseJson', () => {
  it('keeps numbers as written, never through a double', () => {
    const r = parseJson('[12345678901234567890, 0.1000000000000000000001, 1E400]', 'json');
    expect(r.ok && (r.value as JsonNumber[]).map((n) => n.text)).toEqual([
      '12345678901234567890',
      '0.1000000000000000000001',
      '1E400',
    ]);
  });
  it('accepts what RFC 8259 accepts', () => {
    for (const t of [
      '0',
      '-1.5e+3',
      '"x"',
      'true',
      'null',
      ' \t\r\n[ ] ',
      '{}',
      '{"":{"":[]}}',
      '"\\b\\f\\n\\r\\t\\/\\\\\\""',
      '"\\uD834\\uDD1E"',
    ]) {
      expect(parseJson(t, 'jsonb').ok, t).toBe(true);
    }
  });
  it('refuses what RFC 8259 refuses', () => {
    for (const t of [
      '',
      ' ',
      '01',
      '-',
      '1.',
      '.5',
      '+1',
      '1e',
      '[1,]',
      '{"a":1,}',
      "'a'",
      '"a',
      '"\t"',
      '"\\x41"',
      '"\\u12"',
      'nul',
      'True',
      '{a:1}',
      '[1 2]',
      '1 2',
      '\uFEFF1',
      '[1]x',
      '\u00a01',
    ]) {
      expect(parseJson(t, 'json').ok, JSON.stringify(t)).toBe(false);
    }
  });
  it('reads deep nesting', () => {
    const deep = '['.repeat(20000) + '{"a": [1, {}]}' + ']'.repeat(20000);
    expect(jsonb(deep)).toBe(deep);
  });
});

describe('canonicalJsonb', () => {
  it('matches what jsonb keeps and prints', () => {
    expect(jsonb('{"b":1,"a":2,"a":3}')).toBe('{"a": 3, "b": 1}');
    expect(jsonb('{"aa":1,"b":2,"é":3,"z":4,"":5}')).toBe('{"": 5, "b": 2, "z": 4, "aa": 1, "é": 3}');
    expect(jsonb('[1.0E+2,-1.5e-3,0.0,12345678901234567890]')).toBe('[100, -0.0015, 0, 12345678901234567890]');
    expect(jsonb('"é\\u00e9\\\\u00e9"')).toBe('"éé\\\\u00e9"');
    expect(jsonb('{"a":{"c":1,"b":2}}')).toBe('{"a": {"b": 2, "c": 1}}');
  });
  it('orders keys by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80) in bytes, though not in UTF-16.
    expect(jsonb('{"😀":1,"～":2}')).toBe('{"～": 2, "😀": 1}');
  });
});
