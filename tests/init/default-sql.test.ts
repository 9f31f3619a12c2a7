// DEFAULT translation: literals through the column type's own data rule, SQLite clock functions through a
// table, everything else dropped with a note — and the SQL it writes runs in PostgreSQL.
import { describe, expect, it } from 'vitest';
import { sqliteLiteral, translateDefault } from '../../src/init/default-sql.js';

describe('translateDefault', () => {
  it.each([
    ['0', 'bigint', '0'],
    ['-1', 'bigint', '-1'],
    ['(42)', 'bigint', '42'],
    ["'5'", 'bigint', '5'],
    ['0x1F', 'bigint', '31'],
    ['1.5', 'double precision', '1.5'],
    ['1.50', 'numeric', '1.5'],
    ['0', 'boolean', 'false'],
    ['1', 'boolean', 'true'],
    ['TRUE', 'boolean', 'true'],
    ["'t'", 'boolean', 'true'],
    ["'it''s'", 'text', "'it''s'"],
    ['"double quoted"', 'text', "'double quoted'"],
    ['3', 'text', "'3'"],
    ["'{}'", 'jsonb', "'{}'"],
    ["X'00FF'", 'bytea', "E'\\\\x00ff'"], // a backslash: E'' reads the same whatever standard_conforming_strings says
    ["'C:\\dir'", 'text', "E'C:\\\\dir'"],
    ["'2024-01-01'", 'timestamp', "'2024-01-01 00:00:00'"],
    ['CURRENT_TIMESTAMP', 'timestamp', "date_trunc('second', now() AT TIME ZONE 'UTC')"],
    ['current_timestamp', 'timestamptz', "date_trunc('second', now())"],
    ["(datetime('now'))", 'timestamp', "date_trunc('second', now() AT TIME ZONE 'UTC')"],
    ['(DATETIME( "now" ))', 'timestamp', "date_trunc('second', now() AT TIME ZONE 'UTC')"],
    ["datetime('now','localtime')", 'timestamp', "date_trunc('second', localtimestamp)"],
    ['CURRENT_TIMESTAMP', 'text', "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"],
    ["(strftime('%Y-%m-%d %H:%M:%f','now'))", 'timestamp', "date_trunc('milliseconds', now() AT TIME ZONE 'UTC')"],
    ['CURRENT_DATE', 'date', "(now() AT TIME ZONE 'UTC')::date"],
    ["(strftime('%s','now'))", 'bigint', 'floor(extract(epoch FROM now()))::bigint'],
    ['(unixepoch())', 'bigint', 'floor(extract(epoch FROM now()))::bigint'],
  ])('%s for %s → %s', (sqlite, type, sql) => {
    expect(translateDefault(sqlite, type as never)?.sql).toBe(sql);
  });

  it('has no default for none and for DEFAULT NULL', () => {
    expect(translateDefault(null, 'text')).toBeNull();
    expect(translateDefault('NULL', 'text')).toBeNull();
    expect(translateDefault('(null)', 'bigint')).toBeNull();
  });

  it('notes what it changed and stays quiet when the SQL is the same', () => {
    expect(translateDefault('0', 'bigint')).toEqual({ sql: '0', note: null });
    expect(translateDefault('0', 'boolean')).toEqual({ sql: 'false', note: 'default 0 → false' });
    expect(translateDefault("datetime('now','localtime')", 'timestamp')!.note).toMatch(/session's TimeZone/);
  });

  it('drops, with a note saying why, what it cannot translate', () => {
    expect(translateDefault('(random())', 'bigint')).toEqual({
      sql: null,
      note: 'default (random()) dropped: a SQLite expression with no translation (the stored rows keep their values; only new inserts lose the default)',
    });
    expect(translateDefault("'abc'", 'bigint')!.sql).toBeNull();
    expect(translateDefault("'abc'", 'bigint')!.note).toMatch(
      /^default 'abc' dropped: not a bigint value \(text 'abc' is not/,
    );
    expect(translateDefault('2', 'boolean')!.note).toMatch(/dropped: not a boolean value/);
    expect(translateDefault("time('now')", 'timestamp')).toEqual({
      sql: null,
      note: "default time('now') dropped: no translation of this clock value for a timestamp column",
    });
  });

  it('reads SQLite literals as SQLite stores them', () => {
    expect(sqliteLiteral('9223372036854775807')).toBe(9223372036854775807n);
    expect(sqliteLiteral('9223372036854775808')).toBe(9223372036854775808);
    expect(sqliteLiteral('-0x10')).toBe(-16n);
    expect(sqliteLiteral('1e3')).toBe(1000);
    expect(sqliteLiteral("x'4142'")).toEqual(Buffer.from('AB'));
    expect(sqliteLiteral('abs(1)')).toBeUndefined();
  });
});
