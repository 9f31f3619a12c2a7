// JSON converters: a strict RFC 8259 scanner that passes text through unchanged and flags what jsonb would refuse or
// alter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, scanJson, toJson, toJsonb } from '../../src/transform/json.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

const opts = { localTimeZone: null };
const jsonb = (v: SqliteValue) => toJsonb(v, opts);
const json = (v: SqliteValue) => toJson(v, opts);
const okText = (text: string | null) => ({ ok: true, text });

describe('valid JSON', () => {
  it('passes through unchanged, big integers, long decimals and escapes included', () => {
    const samples = [
      '{"id": 12345678901234567890, "min": -9223372036854775809}',
      '{"p": 0.1, "eps": 1e-07, "huge": 1e+300, "long": 3.14159265358979323846264338327950288}',
      '{"name": "Caf\\u00e9", "mood": "\\ud83d\\ude00", "quote": "say \\"hi\\"", "path": "C:\\\\x", "slash": "\\/"}',
      '{"k": 1, "k": 2}',
      '{}',
      '[]',
      '""',
      '0',
      '-1.5E+3',
      'true',
      'false',
      'null',
      ' \t\r\n[ 1 , 2 ]\n ',
      '{"a":[{"b":[[],{}]}]}',
      '"😀 raw emoji and é"',
      '"\\b\\f\\n\\r\\t"',
      '1e131071',
      '1e-16383',
      '0e-16383',
      '0.0',
      '-1',
      `[${'0'.repeat(1)}]`,
      '{"":""}',
    ];
    for (const s of samples) {
      expect(jsonb(s), s).toEqual(okText(s));
      expect(json(s), s).toEqual(okText(s));
    }
  });
  it(`nests up to ${MAX_JSON_DEPTH} levels`, () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(jsonb(deep(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(jsonb(deep(MAX_JSON_DEPTH + 1))).toMatchObject({
      ok: false,
      code: 'invalid_json',
      reason: expect.stringContaining('deeper'),
    });
    expect(json(`${'{"a":'.repeat(64)}1${'}'.repeat(64)}`).ok).toBe(true);
  });
});

describe('invalid_json', () => {
  it('refuses text that is not JSON', () => {
    const bad = [
      '',
      '   ',
      "{'a': 1}",
      '{"a": 1,}',
      '[1, 2,]',
      '[1 2]',
      '{"a" 1}',
      '{a: 1}',
      '{"a": 1',
      '[',
      ']',
      '}',
      '"unterminated',
      '"tab\there"',
      '"newline\nhere"',
      '"\u0001"',
      '"\\x41"',
      '"\\u12"',
      '"\\u12G4"',
      "'single'",
      '01',
      '-',
      '1.',
      '.5',
      '1e',
      '1e+',
      '+1',
      '0x10',
      'tru',
      'True',
      'NULL',
      'nan',
      'inf',
      '-NaN',
      '1 2',
      '{} {}',
      '[]x',
      '\ufeff{}',
      '{"a":1}\u0000',
      '\u00a0{}',
      '{"a":1}}',
      'undefined',
      '{,}',
      '[,1]',
      '{"a":1,,"b":2}',
    ];
    for (const b of bad) {
      expect(jsonb(b), JSON.stringify(b)).toMatchObject({ ok: false, code: 'invalid_json' });
      expect(json(b), JSON.stringify(b)).toMatchObject({ ok: false, code: 'invalid_json' });
    }
  });
  it('says where and what', () => {
    expect(jsonb("{'a': 1}")).toMatchObject({
      reason: "text '{'a': 1}' is not JSON: expected a \"quoted\" key at character 2",
    });
    expect(jsonb('')).toMatchObject({ reason: expect.stringContaining('empty') });
    expect(jsonb('"a\tb"')).toMatchObject({ reason: expect.stringContaining('U+0009') });
  });
});

describe('json_non_finite', () => {
  it('flags NaN, Infinity and -Infinity tokens for json and jsonb', () => {
    for (const s of ['{"score": NaN}', '{"score": Infinity}', '[-Infinity]', 'NaN', '[1, {"a": [Infinity]}]']) {
      expect(jsonb(s), s).toMatchObject({ ok: false, code: 'json_non_finite' });
      expect(json(s), s).toMatchObject({ ok: false, code: 'json_non_finite' });
    }
  });
  it('reports invalid JSON first', () => {
    expect(jsonb('[NaN,]')).toMatchObject({ code: 'invalid_json' });
  });
});

describe('jsonb only', () => {
  it('json_nul: a \\u0000 escape, with the escapes removed for strip', () => {
    expect(jsonb('{"note": "a\\u0000b"}')).toEqual({
      ok: false,
      code: 'json_nul',
      reason: expect.stringContaining('\\u0000'),
      stripped: '{"note": "ab"}',
    });
    expect(jsonb('{"\\u0000k\\u0000": ["\\u0000"]}')).toMatchObject({ code: 'json_nul', stripped: '{"k": [""]}' });
    expect(jsonb('"\\\\u0000"')).toEqual(okText('"\\\\u0000"')); // an escaped backslash, then text
    expect(json('{"note": "a\\u0000b"}')).toEqual(okText('{"note": "a\\u0000b"}'));
  });
  it('json_negative_zero: -0 in any spelling', () => {
    for (const s of ['-0', '-0.0', '{"delta": -0.0}', '[-0e5]', '[-0.000E-3]', '[1, -0]']) {
      expect(jsonb(s), s).toMatchObject({ ok: false, code: 'json_negative_zero' });
      expect(json(s), s).toEqual(okText(s));
    }
    for (const s of ['0', '-0.1', '-10', '[-1e-5]']) expect(jsonb(s), s).toEqual(okText(s));
  });
  it('json_lone_surrogate: an unpaired surrogate escape', () => {
    for (const s of [
      '"\\ud800"',
      '"\\udc00"',
      '"\\ud800x"',
      '"\\ud800\\u0041"',
      '"\\udc00\\ud800"',
      '{"\\uDBFF": 1}',
      '"\\ud83d\\ud83d\\ude00"',
    ]) {
      expect(jsonb(s), s).toMatchObject({ ok: false, code: 'json_lone_surrogate' });
      expect(json(s), s).toEqual(okText(s));
    }
    expect(jsonb('"\\uD83D\\uDE00"')).toEqual(okText('"\\uD83D\\uDE00"'));
  });
  it('out_of_range: numbers numeric cannot hold', () => {
    for (const s of [
      '1e131072',
      '[1e-16384]',
      '{"x": 1.5e-16383}',
      '1e999999999999999999',
      '0e-16384',
      `0.${'0'.repeat(16384)}`,
    ]) {
      expect(jsonb(s), s.slice(0, 30)).toMatchObject({ ok: false, code: 'out_of_range' });
      expect(json(s), s.slice(0, 30)).toEqual(okText(s));
    }
    expect(jsonb('0e999999')).toEqual(okText('0e999999'));
  });
  it('strip is offered only when \\u0000 is the only problem', () => {
    expect(jsonb('["\\u0000", -0]')).toMatchObject({ code: 'json_negative_zero' });
    expect(jsonb('["\\u0000", -0]')).not.toHaveProperty('stripped');
  });
});

describe('other storage classes', () => {
  it('INTEGER and REAL are JSON numbers', () => {
    expect(jsonb(12345678901234567890n)).toEqual(okText('12345678901234567890'));
    expect(jsonb(0.1)).toEqual(okText('0.1'));
    expect(jsonb(1e21)).toEqual(okText('1e+21'));
    expect(jsonb(NaN)).toMatchObject({ ok: false, code: 'json_non_finite' });
    expect(json(-Infinity)).toMatchObject({ ok: false, code: 'json_non_finite' });
    expect(jsonb(-0)).toMatchObject({ ok: false, code: 'json_negative_zero' });
    expect(json(-0)).toEqual(okText('-0'));
  });
  it('a BLOB is read as UTF-8 text when it is valid UTF-8', () => {
    expect(jsonb(Buffer.from('{"a": "é"}'))).toEqual(okText('{"a": "é"}'));
    expect(jsonb(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, code: 'invalid_utf8' });
    expect(jsonb(Buffer.from('\ufeff{}'))).toMatchObject({ ok: false, code: 'invalid_json' });
  });
  it('TEXT that is not UTF-8, or holds an unpaired surrogate character, is invalid_utf8', () => {
    expect(jsonb(new InvalidUtf8Text(Buffer.from([0x22, 0xff, 0x22])))).toMatchObject({
      ok: false,
      code: 'invalid_utf8',
    });
    expect(json('"\ud800"')).toMatchObject({ ok: false, code: 'invalid_utf8' });
    expect(jsonb(null)).toEqual(okText(null));
  });
});

/** Classifies like the converters, from JSON.parse: the reference. */
function expectedJsonb(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'invalid_json';
  }
  let problem = 'ok';
  const visit = (v: unknown): void => {
    if (typeof v === 'number' && Object.is(v, -0)) problem = 'json_negative_zero';
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return problem;
}

describe('properties', () => {
  const jsonText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, Math.random() < 0.5 ? 0 : 2));
  it('whatever JSON.stringify writes is accepted unchanged by json, and by jsonb unless it holds \\u0000 or a lone surrogate', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }), (v) => {
        const text = JSON.stringify(v);
        expect(json(text)).toEqual(okText(text));
        const r = jsonb(text);
        if (text.includes('\\u0000')) expect(r).toMatchObject({ ok: false, code: 'json_nul' });
        else expect(r).toEqual(okText(text));
      }),
      { numRuns: 1000 },
    );
  });
  it('agrees with JSON.parse on what is JSON, over mutated JSON text', () => {
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      '-',
      '0',
      '1',
      'e',
      '.',
      ' ',
      '\n',
      'u',
      'N',
      'a',
      't',
      '+',
      '\u0001',
    ];
    const mutated = fc
      .tuple(jsonText, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...alphabet), fc.boolean()), { maxLength: 3 }))
      .map(([text, edits]) => {
        let t = text;
        for (const [at, ch, insert] of edits) {
          const i = t.length === 0 ? 0 : at % t.length;
          t = insert ? t.slice(0, i) + ch + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
        }
        return t;
      });
    fc.assert(
      fc.property(mutated, (text) => {
        const scan = scanJson(text);
        const isJson = scan.syntax === null && scan.nonFinite === null;
        expect(isJson, JSON.stringify(text)).toBe(expectedJsonb(text) !== 'invalid_json');
        // (One way only: JSON.parse also gives -0 for a negative number that underflows a double, which numeric keeps.)
        if (isJson && scan.negativeZero !== null) expect(expectedJsonb(text), text).toBe('json_negative_zero');
      }),
      { numRuns: 5000 },
    );
  });
  it('stripping \\u0000 escapes gives the same JSON with the NULs gone', () => {
    const withNul = fc
      .jsonValue({ maxDepth: 3 })
      .chain((v) =>
        fc.constantFrom('\u0000', 'a\u0000b', '\u0000\u0000').map((s) => JSON.stringify({ v, s, [s]: [s, v] })),
      );
    fc.assert(
      fc.property(withNul, (text) => {
        const r = jsonb(text);
        expect(r).toMatchObject({ ok: false, code: 'json_nul' });
        if (r.ok || typeof r.stripped !== 'string') return;
        expect(JSON.parse(r.stripped)).toEqual(JSON.parse(text.replaceAll('\\u0000', '')));
        expect(r.stripped.includes('\\u0000')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
