// Unit tests of the verifier's source-side canonical form, one block per logical type.
import { describe, expect, it } from 'vitest';
import {
  canonicalFromSource,
  pythonFloatRepr,
  type CanonicalColumn,
  type Logical,
  type SourceValue,
} from '../../../src/verify/canonical/canonical-source.js';
import { InvalidUtf8Text } from '../../../src/model/sqlite-value.js';

const col = (logical: Logical, extra: Partial<CanonicalColumn> = {}): CanonicalColumn => ({
  logical,
  localTimeZone: null,
  emptyAsNull: false,
  ...extra,
});

/** The canonical value, or `!<reason code>` when not ok. */
function canon(logical: Logical, value: SourceValue, extra: Partial<CanonicalColumn> = {}): string | null {
  const r = canonicalFromSource(col(logical, extra), value);
  return r.ok ? r.value : `!${r.reason.split(':')[0]}`;
}

describe('every type', () => {
  it('keeps NULL as NULL and empty text distinct from NULL unless emptyAsNull', () => {
    for (const t of ['text', 'int4', 'jsonb', 'bytea'] as Logical[]) expect(canon(t, null)).toBeNull();
    expect(canon('text', '')).toBe('');
    expect(canon('text', '', { emptyAsNull: true })).toBeNull();
    expect(canon('int4', '', { emptyAsNull: true })).toBeNull();
    expect(canon('bytea', '')).toBe('');
  });
});

describe('integers', () => {
  it('reads INTEGER, whole REAL and integer text exactly, range checked', () => {
    expect(canon('int8', 9223372036854775807n)).toBe('9223372036854775807');
    expect(canon('int8', -9223372036854775808n)).toBe('-9223372036854775808');
    expect(canon('int4', 2147483648n)).toBe('!out_of_range');
    expect(canon('int2', -32768n)).toBe('-32768');
    expect(canon('int2', 32768n)).toBe('!out_of_range');
    expect(canon('int8', 3.0)).toBe('3');
    expect(canon('int8', -0.0)).toBe('0');
    expect(canon('int8', 2 ** 60)).toBe('1152921504606846976');
    expect(canon('int8', 3.5)).toBe('!precision_loss');
    expect(canon('int8', 1e30)).toBe('!out_of_range');
    expect(canon('int8', Infinity)).toBe('!out_of_range');
    expect(canon('int4', '+007')).toBe('7');
    expect(canon('int4', '-0')).toBe('0');
    expect(canon('int4', ' 7')).toBe('!not_a_number');
    expect(canon('int4', '7.0')).toBe('!not_a_number');
    expect(canon('int4', Buffer.from([1]))).toBe('!type_mismatch');
    expect(canon('int4', new InvalidUtf8Text(Buffer.from([0xff])))).toBe('!not_a_number');
  });
});

describe('float8', () => {
  it('is the exact double: shortest round-trip text, -0 distinct, non-finite named', () => {
    expect(canon('float8', 0.1)).toBe('0.1');
    expect(canon('float8', -0)).toBe('-0');
    expect(canon('float8', 0)).toBe('0');
    expect(canon('float8', 1e300)).toBe('1e+300');
    expect(canon('float8', 5e-324)).toBe('5e-324');
    expect(canon('float8', Infinity)).toBe('Infinity');
    expect(canon('float8', -Infinity)).toBe('-Infinity');
    expect(canon('float8', NaN)).toBe('NaN');
    expect(canon('float8', 0.1 + 0.2)).toBe('0.30000000000000004');
  });
  it('takes INTEGER only when the double holds it exactly', () => {
    expect(canon('float8', 9007199254740992n)).toBe('9007199254740992');
    expect(canon('float8', 9007199254740993n)).toBe('!precision_loss');
  });
  it('takes decimal text only when it is exactly the nearest double’s shortest form', () => {
    expect(canon('float8', '0.1')).toBe('0.1');
    expect(canon('float8', '0.10')).toBe('0.1');
    expect(canon('float8', '1e2')).toBe('100');
    expect(canon('float8', '.5')).toBe('0.5');
    expect(canon('float8', '5.')).toBe('5');
    expect(canon('float8', '-0.0')).toBe('-0');
    expect(canon('float8', '0.10000000000000000001')).toBe('!precision_loss');
    expect(canon('float8', '0.30000000000000004')).toBe('0.30000000000000004');
    expect(canon('float8', '9007199254740993')).toBe('!precision_loss');
    expect(canon('float8', '1e400')).toBe('!out_of_range');
    expect(canon('float8', '1e-400')).toBe('!precision_loss');
    expect(canon('float8', '0e-400')).toBe('0');
    expect(canon('float8', 'Infinity')).toBe('Infinity');
    expect(canon('float8', '-inf')).toBe('-Infinity');
    expect(canon('float8', '+INF')).toBe('Infinity');
    expect(canon('float8', 'nan')).toBe('NaN');
    expect(canon('float8', '0x10')).toBe('!not_a_number');
    expect(canon('float8', ' 1')).toBe('!not_a_number');
    expect(canon('float8', '')).toBe('!not_a_number');
    expect(canon('float8', Buffer.alloc(8))).toBe('!type_mismatch');
  });
});

describe('float4', () => {
  it('is the exact float4 value, as its shortest decimal', () => {
    expect(canon('float4', Math.fround(0.1))).toBe('0.1');
    expect(canon('float4', 0.1)).toBe('!precision_loss');
    expect(canon('float4', 0.5)).toBe('0.5');
    expect(canon('float4', -0)).toBe('-0');
    expect(canon('float4', 2 ** -149)).toBe('1e-45');
    expect(canon('float4', 16777216n)).toBe('16777216');
    expect(canon('float4', 16777217n)).toBe('!precision_loss');
    expect(canon('float4', '0.1')).toBe('0.1');
    expect(canon('float4', '0.10000000149011612')).toBe('!precision_loss');
    expect(canon('float4', '1e39')).toBe('!out_of_range');
    expect(canon('float4', '3.4028235e38')).toBe('3.4028235e+38');
    expect(canon('float4', '-infinity')).toBe('-Infinity');
  });
});

describe('numeric', () => {
  it('is the decimal value: trailing fraction zeros and exponent spelling do not matter', () => {
    expect(canon('numeric', '1.50')).toBe('1.5');
    expect(canon('numeric', '1.5')).toBe('1.5');
    expect(canon('numeric', '1e2')).toBe('100');
    expect(canon('numeric', '-0.000')).toBe('0');
    expect(canon('numeric', '+.5')).toBe('0.5');
    expect(canon('numeric', '12345678901234567890.123456789012345678901')).toBe(
      '12345678901234567890.123456789012345678901',
    );
    expect(canon('numeric', '1.5e-7')).toBe('0.00000015');
    expect(canon('numeric', 123456789012345678901234567890n)).toBe('123456789012345678901234567890');
    expect(canon('numeric', 0.1)).toBe('0.1');
    expect(canon('numeric', 1e21)).toBe('1000000000000000000000');
    expect(canon('numeric', -0)).toBe('0');
    expect(canon('numeric', NaN)).toBe('NaN');
    expect(canon('numeric', -Infinity)).toBe('-Infinity');
  });
  it('refuses what numeric cannot hold or is not a decimal', () => {
    expect(canon('numeric', '1e131072')).toBe('!out_of_range');
    expect(canon('numeric', '9e131071')).toMatch(/^90+$/);
    expect(canon('numeric', '1e-16384')).toBe('!out_of_range');
    expect(canon('numeric', '10e-16384')).toBe('!out_of_range');
    expect(canon('numeric', '0e1073741823')).toBe('!out_of_range');
    expect(canon('numeric', 'NaN')).toBe('!not_a_number');
    expect(canon('numeric', '1,5')).toBe('!not_a_number');
    expect(canon('numeric', Buffer.from('1'))).toBe('!type_mismatch');
  });
});

describe('text', () => {
  it('is the text itself, byte for byte', () => {
    for (const s of ['a b ', 'tab\there', 'line\nnext\r\n', '\\N', '&#x27;', 'é😀', '\uFEFFbom', 'NULL']) {
      expect(canon('text', s)).toBe(s);
    }
  });
  it('writes numbers as digits and REAL as Python repr', () => {
    expect(canon('text', 12345678901234567890n)).toBe('12345678901234567890');
    const reprs: [number, string][] = [
      [1, '1.0'],
      [0.1, '0.1'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [123.456, '123.456'],
      [1e-4, '0.0001'],
      [1e-5, '1e-05'],
      [1.5e300, '1.5e+300'],
      [-2.5, '-2.5'],
      [-0, '-0.0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
      [0.30000000000000004, '0.30000000000000004'],
    ];
    for (const [x, repr] of reprs) {
      expect(pythonFloatRepr(x)).toBe(repr);
      expect(canon('text', x)).toBe(repr);
    }
  });
  it('refuses NUL and non-UTF-8, and reads UTF-8 BLOBs keeping their bytes (a BOM too)', () => {
    expect(canon('text', 'a\0b')).toBe('!nul_byte');
    expect(canon('text', new InvalidUtf8Text(Buffer.from([0x61, 0xff])))).toBe('!invalid_utf8');
    expect(canon('text', 'lone \ud800')).toBe('!invalid_utf8');
    expect(canon('text', Buffer.from('héllo'))).toBe('héllo');
    expect(canon('text', Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
    expect(canon('text', Buffer.from([0xc3]))).toBe('!invalid_utf8');
    expect(canon('text', Buffer.from([0x61, 0]))).toBe('!nul_byte');
  });
});

describe('boolean', () => {
  it('is t or f', () => {
    for (const v of [1n, 1.0, 'true', 'TRUE', 't', 'T', '1']) expect(canon('boolean', v)).toBe('t');
    for (const v of [0n, 0.0, -0.0, 'false', 'False', 'f', '0']) expect(canon('boolean', v)).toBe('f');
    for (const v of [2n, 0.5, 'yes', ' true', 'on', '']) expect(canon('boolean', v)).toBe('!invalid_boolean');
    expect(canon('boolean', Buffer.from([1]))).toBe('!type_mismatch');
  });
});

describe('timestamp and timestamptz', () => {
  const us = (iso: string) => String(BigInt(Date.parse(iso)) * 1000n);
  it('is microseconds since 1970 UTC, to the microsecond', () => {
    expect(canon('timestamp', '1970-01-01')).toBe('0');
    expect(canon('timestamp', '1970-01-01 00:00:00.000001')).toBe('1');
    expect(canon('timestamp', '1969-12-31 23:59:59.999999')).toBe('-1');
    expect(canon('timestamp', '2024-02-29 12:34')).toBe(us('2024-02-29T12:34:00Z'));
    expect(canon('timestamp', '2024-02-29T12:34:56.123456')).toBe(
      String(BigInt(Date.parse('2024-02-29T12:34:56Z')) * 1000n + 123456n),
    );
    expect(canon('timestamp', '2024-02-29 12:34:56.123456789')).toBe('!precision_loss');
    expect(canon('timestamp', '2024-02-29 12:34:56.123456000')).toBe(canon('timestamp', '2024-02-29 12:34:56.123456'));
    expect(canon('timestamp', '0001-01-01 00:00:00')).toBe('-62135596800000000');
    expect(canon('timestamp', '9999-12-31 23:59:59.999999')).toBe('253402300799999999');
    expect(canon('timestamptz', '2024-01-01 00:00:00')).toBe(us('2024-01-01T00:00:00Z'));
  });
  it('converts offsets to UTC', () => {
    const utc = canon('timestamptz', '2024-06-01 10:00:00Z');
    for (const s of [
      '2024-06-01T12:00:00+02',
      '2024-06-01 12:00:00+0200',
      '2024-06-01T12:00:00+02:00',
      '2024-06-01 05:30:00-04:30',
    ]) {
      expect(canon('timestamptz', s)).toBe(utc);
      expect(canon('timestamp', s)).toBe(utc);
    }
    expect(canon('timestamp', '2024-01-01+01:00')).toBe(us('2023-12-31T23:00:00Z'));
    expect(canon('timestamp', '0001-01-01 00:30:00+01:00')).toBe('!invalid_timestamp');
    expect(canon('timestamp', '2024-06-01 12:00:00-15:59')).toBe(us('2024-06-02T03:59:00Z'));
    expect(canon('timestamp', '2024-06-01 12:00:00+16')).toBe('!invalid_timestamp');
    expect(canon('timestamp', '2024-06-01 12:00:00+05:60')).toBe('!invalid_timestamp');
  });
  it('refuses forms and dates the rules do not accept', () => {
    for (const s of [
      '2023-02-29',
      '2024-13-01',
      '2024-01-01 24:00:00',
      '2024-01-01 23:59:60',
      '2024-01-01 23:60',
      '2024-01-01T12:00',
      '20240101',
      '2024-01-01 12',
      '0000-01-01',
      '2024-1-01',
      '1700000000',
      '',
      'now',
    ]) {
      expect(canon('timestamp', s), s).toBe('!invalid_timestamp');
    }
    expect(canon('timestamp', Buffer.from('2024-01-01'))).toBe('!type_mismatch');
  });
  it('reads numbers as Unix epochs: seconds below 1e11, else milliseconds', () => {
    expect(canon('timestamptz', 1700000000n)).toBe('1700000000000000');
    expect(canon('timestamptz', 99999999999n)).toBe('99999999999000000');
    expect(canon('timestamptz', 100000000000n)).toBe('100000000000000');
    expect(canon('timestamptz', 1700000000123n)).toBe('1700000000123000');
    expect(canon('timestamptz', -1n)).toBe('-1000000');
    expect(canon('timestamptz', 1700000000.123456)).toBe('1700000000123456');
    expect(canon('timestamptz', 1700000000.5)).toBe('1700000000500000');
    expect(canon('timestamptz', 1700000000123.5)).toBe('1700000000123500');
    expect(canon('timestamptz', 1700000000123.4567)).toBe('!precision_loss');
    expect(canon('timestamptz', 0.0000001)).toBe('!precision_loss');
    expect(canon('timestamptz', Infinity)).toBe('!invalid_timestamp');
    expect(canon('timestamptz', 10n ** 18n)).toBe('!invalid_timestamp');
  });
  it('reads naive T values as local time in localTimeZone, keeping space-separated (UTC) ones', () => {
    const ny = { localTimeZone: 'America/New_York' };
    expect(canon('timestamptz', '2024-01-15T12:00:00', ny)).toBe(us('2024-01-15T17:00:00Z'));
    expect(canon('timestamptz', '2024-07-15T12:00:00.000001', ny)).toBe(
      String(BigInt(Date.parse('2024-07-15T16:00:00Z')) * 1000n + 1n),
    );
    expect(canon('timestamptz', '2024-07-15 12:00:00', ny)).toBe(us('2024-07-15T12:00:00Z'));
    expect(canon('timestamptz', '2024-07-15T12:00:00Z', ny)).toBe(us('2024-07-15T12:00:00Z'));
    expect(canon('timestamp', '2024-03-10T02:30:00', ny)).toBe('!invalid_timestamp'); // skipped by DST
    expect(canon('timestamp', '2024-11-03T01:30:00', ny)).toBe('!invalid_timestamp'); // repeated by DST
    expect(canon('timestamp', '2024-11-03T00:59:59', ny)).toBe(us('2024-11-03T04:59:59Z'));
    expect(canon('timestamp', '2024-11-03T02:00:00', ny)).toBe(us('2024-11-03T07:00:00Z'));
    expect(canon('timestamp', '2024-07-15T12:00:00', { localTimeZone: 'Asia/Kolkata' })).toBe(
      us('2024-07-15T06:30:00Z'),
    );
    expect(canon('timestamp', '2024-07-15T12:00:00', { localTimeZone: 'Not/AZone' })).toBe('!invalid_timestamp');
  });
});

describe('date', () => {
  it('is YYYY-MM-DD, from a date or a midnight timestamp form', () => {
    expect(canon('date', '2024-02-29')).toBe('2024-02-29');
    expect(canon('date', '0001-01-01')).toBe('0001-01-01');
    expect(canon('date', '2024-02-29 00:00:00.000')).toBe('2024-02-29');
    expect(canon('date', '2024-02-29T00:00:00')).toBe('2024-02-29');
    expect(canon('date', '2024-02-29 00:00:01')).toBe('!precision_loss');
    expect(canon('date', '2024-02-30')).toBe('!invalid_timestamp');
    expect(canon('date', 1700000000n)).toBe('!type_mismatch');
    expect(canon('date', 1.5)).toBe('!type_mismatch');
  });
});

describe('jsonb', () => {
  it('is the jsonb tree printed one way', () => {
    expect(canon('jsonb', '{"b":1,"a":2}')).toBe('{"a": 2, "b": 1}');
    expect(canon('jsonb', ' { "a" : 2 , "b" : 1 } ')).toBe('{"a": 2, "b": 1}');
    expect(canon('jsonb', '{"a":1,"a":2}')).toBe('{"a": 2}');
    expect(canon('jsonb', '[1e2, 1.0, 1.50, -0.001e3]')).toBe('[100, 1, 1.5, -1]');
    expect(canon('jsonb', '"\\u00e9"')).toBe('"é"');
    expect(canon('jsonb', '"\\ud83d\\ude00\\/"')).toBe('"😀/"');
    expect(canon('jsonb', '{"n":12345678901234567890}')).toBe('{"n": 12345678901234567890}');
    expect(canon('jsonb', '{"aa":1,"b":2,"é":3,"z":4}')).toBe('{"b": 2, "z": 4, "aa": 1, "é": 3}');
    expect(canon('jsonb', '"tab\\tquote\\"\\u001f\\u007f"')).toBe('"tab\\tquote\\"\\u001f\u007f"');
    expect(canon('jsonb', 12345678901234567890n)).toBe('12345678901234567890');
    expect(canon('jsonb', 0.5)).toBe('0.5');
    expect(canon('jsonb', Buffer.from('{"a":[true,false,null]}'))).toBe('{"a": [true, false, null]}');
  });
  it('refuses what jsonb cannot hold', () => {
    expect(canon('jsonb', '')).toBe('!invalid_json');
    expect(canon('jsonb', "{'a': 1}")).toBe('!invalid_json');
    expect(canon('jsonb', '[1,]')).toBe('!invalid_json');
    expect(canon('jsonb', '01')).toBe('!invalid_json');
    expect(canon('jsonb', '{"a": NaN}')).toBe('!json_non_finite');
    expect(canon('jsonb', '[-Infinity]')).toBe('!json_non_finite');
    expect(canon('jsonb', '"a\\u0000b"')).toBe('!json_nul');
    expect(canon('jsonb', '[-0.0]')).toBe('!json_negative_zero');
    expect(canon('jsonb', '"\\ud800"')).toBe('!json_lone_surrogate');
    expect(canon('jsonb', '"\\udc00\\ud800"')).toBe('!json_lone_surrogate');
    expect(canon('jsonb', '[1e131072]')).toBe('!out_of_range');
    expect(canon('jsonb', NaN)).toBe('!json_non_finite');
    expect(canon('jsonb', -0)).toBe('!json_negative_zero');
    expect(canon('jsonb', new InvalidUtf8Text(Buffer.from([0x22, 0xff, 0x22])))).toBe('!invalid_utf8');
  });
});

describe('json', () => {
  it('is the exact text once it is JSON', () => {
    for (const s of ['{"b":1,"a":2}', ' [1.50, 1e2] ', '{"a":1,"a":2}', '"\\u0000"', '"\\ud800"', '-0']) {
      expect(canon('json', s)).toBe(s);
    }
    expect(canon('json', 12n)).toBe('12');
    expect(canon('json', 0.1)).toBe('0.1');
    expect(canon('json', 'NaN')).toBe('!json_non_finite');
    expect(canon('json', '{')).toBe('!invalid_json');
  });
});

describe('bytea', () => {
  it('is lowercase hex of the bytes', () => {
    expect(canon('bytea', Buffer.from([0, 0xab, 0xff]))).toBe('00abff');
    expect(canon('bytea', 'é')).toBe('c3a9');
    expect(canon('bytea', new InvalidUtf8Text(Buffer.from([0xff, 0xfe])))).toBe('fffe');
    expect(canon('bytea', Buffer.alloc(0))).toBe('');
    expect(canon('bytea', -12n)).toBe(Buffer.from('-12').toString('hex'));
    expect(canon('bytea', 1.5)).toBe(Buffer.from('1.5').toString('hex'));
    expect(canon('bytea', 1e300)).toBe(Buffer.from('1e+300').toString('hex'));
  });
});
