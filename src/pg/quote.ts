// The one place identifiers, literals and dollar-quoted bodies are quoted for PostgreSQL: every name or
// value that must be written into SQL text (rather than sent as a bind parameter) goes through here.

/** A PostgreSQL identifier, always quoted (keeps case, spaces and keywords exactly). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier ${JSON.stringify(name)} holds a NUL character`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A string literal that means the same under every server setting. With standard_conforming_strings off
 * (settable per database or role) a backslash escapes inside '…', so `\'` would end the literal early: a
 * value holding a backslash is written as E'…' with `\` and `'` doubled, which every setting reads alike.
 * A value without one is plain '…' (both settings read it alike too). Prefer bind parameters; this is for
 * SQL that cannot take them (COPY (SELECT …), DDL, SET TRANSACTION SNAPSHOT, a DO body).
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error(`literal ${JSON.stringify(value)} holds a NUL character`);
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * `body` dollar-quoted with a tag that cannot end it early: `$s2p$`, or `$s2p1$`, `$s2p2$`, … when the body
 * (names from a SQLite file can hold anything, `$$` included) contains the tag or ends in a prefix of it.
 */
export function dollarQuote(body: string): string {
  for (let n = 0; ; n++) {
    const tag = `$s2p${n === 0 ? '' : n}$`;
    // The server ends the body at the first occurrence of the tag, which must be the closing one.
    if ((body + tag).indexOf(tag) === body.length) return `${tag}${body}${tag}`;
  }
}
