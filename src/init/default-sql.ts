// Translates a SQLite column DEFAULT into PostgreSQL SQL for the column's target type: literals through the
// type's own data rule, SQLite's clock functions through a lookup table; anything else is dropped with a note.
import type { TargetType } from '../model/mapping-types.js';
import { TYPE_RULES } from '../transform/logical-types.js';
import type { SqliteValue } from '../model/sqlite-value.js';
import { quoteLiteral } from '../pg/quote.js';

/** The default as PostgreSQL SQL (`sql`), or dropped (`sql` null); `note` says what was done and why. */
export type DefaultTranslation = { sql: string; note: string | null } | { sql: null; note: string };

/** The clock defaults SQLite applications write, by what they produce. */
type Clock =
  | 'utcSeconds'
  | 'localSeconds'
  | 'utcMillis'
  | 'utcMillisIsoZ'
  | 'utcDate'
  | 'localDate'
  | 'utcTime'
  | 'epochSeconds'
  | 'julianDay';

/** SQLite clock expressions (normalised: lower case and no blanks outside quotes, `"` read as `'`). */
const CLOCKS: Record<string, Clock> = {
  current_timestamp: 'utcSeconds',
  "datetime('now')": 'utcSeconds',
  "datetime('now','utc')": 'utcSeconds',
  "datetime('now','localtime')": 'localSeconds',
  "strftime('%Y-%m-%d %H:%M:%f','now')": 'utcMillis',
  "strftime('%Y-%m-%d %H:%M:%S','now')": 'utcSeconds',
  "strftime('%Y-%m-%dT%H:%M:%fZ','now')": 'utcMillisIsoZ',
  "strftime('%Y-%m-%dT%H:%M:%SZ','now')": 'utcMillisIsoZ',
  current_date: 'utcDate',
  "date('now')": 'utcDate',
  "date('now','localtime')": 'localDate',
  current_time: 'utcTime',
  "time('now')": 'utcTime',
  "strftime('%s','now')": 'epochSeconds',
  "cast(strftime('%s','now')asinteger)": 'epochSeconds',
  'unixepoch()': 'epochSeconds',
  "unixepoch('now')": 'epochSeconds',
  "julianday('now')": 'julianDay',
};

const UTC = "now() AT TIME ZONE 'UTC'";
const EPOCH = 'floor(extract(epoch FROM now()))::bigint';
const NUMBERS = {
  smallint: EPOCH,
  integer: EPOCH,
  bigint: EPOCH,
  numeric: EPOCH,
  'double precision': EPOCH,
  real: EPOCH,
};

/**
 * Per clock, per target type: the PostgreSQL expression producing what SQLite would have written. SQLite's
 * clock is UTC (https://www.sqlite.org/lang_datefunc.html), hence `now() AT TIME ZONE 'UTC'`, not the
 * session-zone CURRENT_TIMESTAMP; to the second, as SQLite writes it.
 */
const CLOCK_SQL: Record<Clock, Partial<Record<TargetType, string>>> = {
  utcSeconds: {
    timestamp: `date_trunc('second', ${UTC})`,
    timestamptz: "date_trunc('second', now())",
    date: `(${UTC})::date`,
    text: `to_char(${UTC}, 'YYYY-MM-DD HH24:MI:SS')`,
  },
  localSeconds: {
    timestamp: "date_trunc('second', localtimestamp)",
    timestamptz: "date_trunc('second', now())",
    date: 'current_date',
    text: "to_char(localtimestamp, 'YYYY-MM-DD HH24:MI:SS')",
  },
  utcMillis: {
    timestamp: `date_trunc('milliseconds', ${UTC})`,
    timestamptz: "date_trunc('milliseconds', now())",
    text: `to_char(${UTC}, 'YYYY-MM-DD HH24:MI:SS.MS')`,
  },
  utcMillisIsoZ: {
    timestamp: `date_trunc('milliseconds', ${UTC})`,
    timestamptz: "date_trunc('milliseconds', now())",
    text: `to_char(${UTC}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  },
  utcDate: { date: `(${UTC})::date`, timestamp: `date_trunc('day', ${UTC})`, text: `to_char(${UTC}, 'YYYY-MM-DD')` },
  localDate: {
    date: 'current_date',
    timestamp: "date_trunc('day', localtimestamp)",
    text: "to_char(localtimestamp, 'YYYY-MM-DD')",
  },
  utcTime: { text: `to_char(${UTC}, 'HH24:MI:SS')` },
  epochSeconds: {
    ...NUMBERS,
    text: `${EPOCH}::text`,
    timestamp: `date_trunc('second', ${UTC})`,
    timestamptz: "date_trunc('second', now())",
  },
  julianDay: {
    'double precision': 'extract(epoch FROM now()) / 86400.0 + 2440587.5',
    numeric: 'extract(epoch FROM now()) / 86400.0 + 2440587.5',
  },
};

const LOCAL_NOTE = "SQLite's 'localtime' was the application host's zone; PostgreSQL uses the session's TimeZone";

/** Lower case and no blanks outside quotes; `"` as `'`: so spellings of one expression compare equal. */
function normalise(sql: string): string {
  let out = '';
  let quoted = false;
  for (const ch of sql.replace(/"/g, "'")) {
    if (ch === "'") quoted = !quoted;
    if (quoted || ch === "'") out += ch;
    else if (!/\s/.test(ch)) out += ch.toLowerCase();
  }
  return out;
}

/** Strips balanced outer parentheses: `((0))` → `0`. */
function unwrap(sql: string): string {
  let s = sql.trim();
  while (s.startsWith('(') && s.endsWith(')')) {
    let depth = 0;
    let balanced = true;
    for (let i = 0; i < s.length - 1 && balanced; i++) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')') depth--;
      if (depth === 0) balanced = false;
    }
    if (!balanced) break;
    s = s.slice(1, -1).trim();
  }
  return s;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A literal default as the SQLite value it stores, or undefined when it is not a literal. */
export function sqliteLiteral(text: string): SqliteValue | undefined {
  if (/^null$/i.test(text)) return null;
  if (/^true$/i.test(text)) return 1n;
  if (/^false$/i.test(text)) return 0n;
  if (/^[+-]?\d+$/.test(text)) {
    const n = BigInt(text);
    return n >= INT64_MIN && n <= INT64_MAX ? n : Number(text);
  }
  if (/^[+-]?0x[0-9a-f]{1,16}$/i.test(text))
    return BigInt.asIntN(64, BigInt(text.replace(/^[+-]/, ''))) * (text.startsWith('-') ? -1n : 1n);
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  const single = /^'((?:[^']|'')*)'$/s.exec(text);
  if (single) return single[1].replace(/''/g, "'");
  // SQLite reads a double-quoted word it cannot resolve as a string literal (a misfeature, kept for old schemas).
  const double = /^"((?:[^"]|"")*)"$/s.exec(text);
  if (double) return double[1].replace(/""/g, '"');
  const blob = /^x'([0-9a-f]*)'$/i.exec(text);
  if (blob && blob[1].length % 2 === 0) return Buffer.from(blob[1], 'hex');
  return undefined;
}

const BARE = new Set<TargetType>(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'boolean']);

/** PostgreSQL SQL for a value in the type's text input form: numbers and booleans bare, the rest quoted. */
function literalSql(text: string, type: TargetType): string {
  return BARE.has(type) && /^(-?[0-9][0-9.e+-]*|true|false)$/i.test(text) ? text : quoteLiteral(text);
}

/**
 * Translates the DEFAULT clause `sqliteDefault` (as pragma_table_info gives it) for a `type` column; null: no default.
 */
export function translateDefault(sqliteDefault: string | null, type: TargetType): DefaultTranslation | null {
  if (sqliteDefault === null) return null;
  const inner = unwrap(sqliteDefault);
  const clock = CLOCKS[normalise(inner)];
  if (clock) {
    const sql = CLOCK_SQL[clock][type];
    if (!sql)
      return {
        sql: null,
        note: `default ${sqliteDefault} dropped: no translation of this clock value for a ${type} column`,
      };
    return { sql, note: `default ${sqliteDefault} → ${sql}${clock.startsWith('local') ? ` (${LOCAL_NOTE})` : ''}` };
  }
  const value = sqliteLiteral(inner);
  if (value === undefined) {
    return {
      sql: null,
      note: `default ${sqliteDefault} dropped: a SQLite expression with no translation (the stored rows keep their values; only new inserts lose the default)`,
    };
  }
  if (value === null) return null;
  const converted = TYPE_RULES[type].convert(value, { localTimeZone: null });
  if (!converted.ok)
    return { sql: null, note: `default ${sqliteDefault} dropped: not a ${type} value (${converted.reason})` };
  if (converted.text === null) return null;
  const sql = literalSql(converted.text, type);
  return { sql, note: sql === inner ? null : `default ${sqliteDefault} → ${sql}` };
}
