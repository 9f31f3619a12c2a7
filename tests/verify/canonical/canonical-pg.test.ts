// Unit tests of the target-side canonical form (PostgreSQL's text output) and of COPY text unescaping.
import { describe, expect, it } from 'vitest';
import { canonicalFromPg, copyTextUnescape, splitCopyLine } from '../../../src/verify/canonical/canonical-pg.js';

describe('canonicalFromPg', () => {
  it('keeps NULL as NULL', () => {
    expect(canonicalFromPg('text', null)).toBeNull();
    expect(canonicalFromPg('text', '')).toBe('');
  });
  it('reads integers, floats and numerics by value', () => {
    expect(canonicalFromPg('int8', '-9223372036854775808')).toBe('-9223372036854775808');
    expect(canonicalFromPg('int4', '007')).toMatch(/^!unreadable:/);
    expect(canonicalFromPg('float8', '1e+300')).toBe('1e+300');
    expect(canonicalFromPg('float8', '1e-07')).toBe('1e-7');
    expect(canonicalFromPg('float8', '1.2345678901234568e+20')).toBe('123456789012345680000');
    expect(canonicalFromPg('float8', '-0')).toBe('-0');
    expect(canonicalFromPg('float8', 'NaN')).toBe('NaN');
    expect(canonicalFromPg('float8', '-Infinity')).toBe('-Infinity');
    expect(canonicalFromPg('float4', '0.1')).toBe('0.1');
    expect(canonicalFromPg('float4', '3.4028235e+38')).toBe('3.4028235e+38');
    expect(canonicalFromPg('float4', '1e-45')).toBe('1e-45');
    expect(canonicalFromPg('numeric', '1.50')).toBe('1.5');
    expect(canonicalFromPg('numeric', '100')).toBe('100');
    expect(canonicalFromPg('numeric', '0.00')).toBe('0');
    expect(canonicalFromPg('numeric', '-0.0010')).toBe('-0.001');
    expect(canonicalFromPg('numeric', 'NaN')).toBe('NaN');
  });
  it('reads timestamps to the microsecond, whatever offset they are printed in', () => {
    expect(canonicalFromPg('timestamp', '1970-01-01 00:00:00')).toBe('0');
    expect(canonicalFromPg('timestamp', '1970-01-01 00:00:00.000001')).toBe('1');
    expect(canonicalFromPg('timestamp', '1969-12-31 23:59:59.999999')).toBe('-1');
    expect(canonicalFromPg('timestamp', '9999-12-31 23:59:59.999999')).toBe('253402300799999999');
    expect(canonicalFromPg('timestamptz', '2024-06-01 12:00:00.5+00')).toBe(
      canonicalFromPg('timestamptz', '2024-06-01 17:30:00.5+05:30'),
    );
    expect(canonicalFromPg('timestamptz', '2024-06-01 12:00:00+00')).toBe(
      canonicalFromPg('timestamptz', '2024-06-01 11:00:00-01'),
    );
    expect(canonicalFromPg('timestamptz', '1900-01-01 00:00:00+00')).toBe(
      canonicalFromPg('timestamptz', '1900-01-01 00:53:28+00:53:28'),
    );
    expect(canonicalFromPg('timestamp', '0001-12-31 23:00:00 BC')).toBe('-62135600400000000');
    expect(canonicalFromPg('timestamp', 'infinity')).toBe('infinity');
    expect(canonicalFromPg('timestamp', 'Jan 1 2024')).toMatch(/^!unreadable:/);
  });
  it('reads dates, booleans, bytea and json', () => {
    expect(canonicalFromPg('date', '2024-02-29')).toBe('2024-02-29');
    expect(canonicalFromPg('date', '0001-12-31 BC')).toBe('0001-12-31 BC');
    expect(canonicalFromPg('boolean', 't')).toBe('t');
    expect(canonicalFromPg('bytea', '\\x00ABff')).toBe('00abff');
    expect(canonicalFromPg('bytea', '\\x')).toBe('');
    expect(canonicalFromPg('bytea', 'a\\\\\\000\\377')).toBe('615c00ff');
    expect(canonicalFromPg('jsonb', '{"a": 3, "b": [1.50, 100]}')).toBe('{"a": 3, "b": [1.5, 100]}');
    expect(canonicalFromPg('json', '{"b":1, "a":2}')).toBe('{"b":1, "a":2}');
    expect(canonicalFromPg('text', '\\N')).toBe('\\N');
  });
});

describe('COPY text format', () => {
  it('unescapes fields', () => {
    expect(copyTextUnescape('\\N')).toBeNull();
    expect(copyTextUnescape('\\\\N')).toBe('\\N');
    expect(copyTextUnescape('plain')).toBe('plain');
    expect(copyTextUnescape('')).toBe('');
    expect(copyTextUnescape('a\\tb\\nc\\rd\\\\e\\bf\\fg\\vh')).toBe('a\tb\nc\rd\\e\bf\fg\vh');
    expect(copyTextUnescape('\\x41\\101\\7')).toBe('AA\u0007');
    expect(copyTextUnescape('\\xc3\\xa9 é')).toBe('é é');
    expect(copyTextUnescape('\\303\\251')).toBe('é');
    expect(copyTextUnescape('\\xZ')).toBe('xZ');
    expect(copyTextUnescape('\\q')).toBe('q');
  });
  it('splits lines on tabs', () => {
    expect(splitCopyLine('1\t\\N\t\ta\\tb\n')).toEqual(['1', null, '', 'a\tb']);
    expect(splitCopyLine('x')).toEqual(['x']);
    expect(splitCopyLine('\\\\x00ff\t\\\\N')).toEqual(['\\x00ff', '\\N']);
  });
});
