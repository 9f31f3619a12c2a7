// The values extract hands to transform: what better-sqlite3 returns with safeIntegers, plus one marker
// for TEXT whose bytes are not valid UTF-8 (better-sqlite3 would silently decode them with U+FFFD).

/** TEXT storage-class bytes that are not valid UTF-8, kept as the raw bytes SQLite holds. */
export class InvalidUtf8Text {
  constructor(readonly bytes: Buffer) {}
}

/** One SQLite value: NULL, INTEGER (always bigint: safeIntegers), REAL, TEXT, BLOB, or TEXT that is not UTF-8. */
export type SqliteValue = null | bigint | number | string | Buffer | InvalidUtf8Text;

/** SQLite's name for a value's storage class, as typeof() would say it. */
export function storageClass(value: SqliteValue): 'null' | 'integer' | 'real' | 'text' | 'blob' {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return 'real';
  if (typeof value === 'string' || value instanceof InvalidUtf8Text) return 'text';
  return 'blob';
}
