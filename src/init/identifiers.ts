// Target names for `init`: the identifier policy (keep, lower, snake), PostgreSQL's 63-byte limit, and
// per-namespace de-duplication. Names are always quoted in SQL (src/pg/quote.ts), so any character is kept.
import { createHash } from 'node:crypto';
import path from 'node:path';

/** How `init` writes source names as target names. */
export type IdentifierPolicy = 'keep' | 'lower' | 'snake';

/**
 * PostgreSQL truncates identifiers past NAMEDATALEN-1 bytes
 * (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).
 */
export const PG_MAX_IDENTIFIER_BYTES = 63;

/** "OrderItems", "order items", "HTTPServer2" → "order_items", "order_items", "http_server2". */
export function snakeCase(name: string): string {
  return name
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1_$2')
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

const POLICIES: Record<IdentifierPolicy, (name: string) => string> = {
  keep: (name) => name,
  lower: (name) => name.toLowerCase(),
  snake: snakeCase,
};

/**
 * Cuts a name to 63 bytes: the first bytes that fit, `_`, and 8 hex digits of its hash, so two long names
 * that share a beginning stay apart (PostgreSQL would silently cut both to the same name).
 */
export function fitIdentifier(name: string, max = PG_MAX_IDENTIFIER_BYTES): string {
  if (Buffer.byteLength(name, 'utf8') <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let head = '';
  for (const ch of name) {
    if (Buffer.byteLength(head + ch, 'utf8') > max - 9) break;
    head += ch;
  }
  return `${head}_${hash}`;
}

/**
 * Longest table name: the DDL names a table's primary key `<table>_pkey`, which must fit 63 bytes too
 * (cut by PostgreSQL, it could take the table's own name).
 */
export const PG_MAX_TABLE_BYTES = PG_MAX_IDENTIFIER_BYTES - '_pkey'.length;

/** A source name under the policy, never empty, within `max` bytes (63; tables: 58). */
export function targetName(
  source: string,
  policy: IdentifierPolicy,
  fallback: string,
  max = PG_MAX_IDENTIFIER_BYTES,
): string {
  const name = POLICIES[policy](source).replace(/\0/g, '');
  return fitIdentifier(name === '' ? fallback : name, max);
}

/** Names taken in one PostgreSQL namespace (a schema's relations, or a table's columns). */
export class NameRegistry {
  private readonly taken = new Set<string>();

  constructor(reserved: string[] = []) {
    for (const r of reserved) this.taken.add(r);
  }

  /** `wanted`, or `wanted_2`, `wanted_3`… when it is taken (quoted names are case-sensitive: compared exactly). */
  take(wanted: string, max = PG_MAX_IDENTIFIER_BYTES): string {
    let name = fitIdentifier(wanted, max);
    for (let i = 2; this.taken.has(name); i++) name = fitIdentifier(`${wanted}_${i}`, max);
    this.taken.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }
}

/**
 * The default target schema of a source file: its name without extension, in snake case; never a name
 * PostgreSQL reserves (`pg_*`) or sqlite2pg uses (`sqlite2pg`, `public` is left to the application).
 */
export function schemaForFile(file: string): string {
  // Any final extension goes (`.db`, `.sqlite3`, `.mbtiles`, `.anki2`…): it names the format, not the data.
  const base = snakeCase(path.basename(file).replace(/\.[^.]*$/, '')) || 'sqlite';
  const safe = /^\p{N}/u.test(base) ? `db_${base}` : base;
  if (/^pg_/.test(safe) || ['sqlite2pg', 'public', 'information_schema'].includes(safe))
    return fitIdentifier(`${safe}_data`);
  return fitIdentifier(safe);
}
