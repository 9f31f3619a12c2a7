// Reads target rows by their canonical key, for the few rows verify reports (to re-check them, or to name
// their changed columns): the canonical key turned back into SQL literals of the key columns' types.
import type pg from 'pg';
import type { TablePlan } from '../../model/table-plan.js';
import { quoteIdent, quoteLiteral } from '../../pg/quote.js';
import { civilFromDays } from '../canonical/canonical-time.js';
import { targetRowPages } from '../pass/target-side.js';
import type { CanonicalRow } from '../pass/source-side.js';

const US_PER_DAY = 86_400_000_000n;
const pad = (n: bigint | number, w = 2) => String(n).padStart(w, '0');

/** `YYYY-MM-DD HH:MM:SS.ffffff` of canonical microseconds since 1970 (the verifier's timestamp form). */
export function microsToTimestampText(micros: string): string | null {
  if (!/^-?[0-9]+$/.test(micros)) return null;
  const us = BigInt(micros);
  const days = us >= 0n ? us / US_PER_DAY : -((-us + US_PER_DAY - 1n) / US_PER_DAY);
  let rest = us - days * US_PER_DAY;
  const frac = rest % 1_000_000n;
  rest /= 1_000_000n;
  return `${civilFromDays(Number(days))} ${pad(rest / 3600n)}:${pad((rest / 60n) % 60n)}:${pad(rest % 60n)}.${pad(frac, 6)}`;
}

/** A SQL literal for a canonical value of a key column, or null when it cannot be written as one. */
export function keyLiteral(logical: string, v: string | null): string | null {
  if (v === null || v.startsWith('!unreadable:')) return null;
  switch (logical) {
    case 'int2':
    case 'int4':
    case 'int8':
      return /^-?[0-9]+$/.test(v) ? `'${v}'::int8` : null; // quoted: -9223372036854775808 bare is a numeric
    case 'numeric':
      return `${quoteLiteral(v)}::numeric`;
    case 'float4':
    case 'float8':
      return `${quoteLiteral(v)}::${logical}`;
    case 'text':
      return quoteLiteral(v);
    case 'boolean':
    case 'date':
    case 'jsonb':
      return `${quoteLiteral(v)}::${logical}`;
    case 'timestamp':
    case 'timestamptz': {
      const text = microsToTimestampText(v);
      return text === null ? null : `${quoteLiteral(logical === 'timestamp' ? text : `${text}+00`)}::${logical}`;
    }
    case 'bytea':
      return `${quoteLiteral(`\\x${v}`)}::bytea`;
    default:
      return null; // json has no equality operator: it cannot be a key
  }
}

/** The canonical key values of a target key string (one column: the value; several: a JSON array). */
function keyValues(key: string, width: number): (string | null)[] | null {
  if (width === 1) return [key];
  try {
    const v = JSON.parse(key) as unknown;
    return Array.isArray(v) && v.length === width ? (v as (string | null)[]) : null;
  } catch {
    return null;
  }
}

/** `(k1, k2) IN ((…), (…))` for the keys that can be written as literals; null when none can. */
export function keyPredicate(plan: TablePlan, keys: readonly string[]): string | null {
  const cols = plan.primaryKey.map((name) => plan.columns.find((c) => c.name === name)!);
  const tuples: string[] = [];
  for (const key of keys) {
    const values = keyValues(key, cols.length);
    if (!values) continue;
    const lits = values.map((v, i) => keyLiteral(cols[i].logical, v));
    if (lits.every((l): l is string => l !== null)) tuples.push(`(${lits.join(', ')})`);
  }
  if (tuples.length === 0) return null;
  return `(${cols.map((c) => quoteIdent(c.name)).join(', ')}) IN (${tuples.join(', ')})`;
}

/** Target rows by canonical key (keys that match no row, or cannot be looked up, are absent from the map). */
export async function targetRowsByKey(
  client: pg.ClientBase,
  plan: TablePlan,
  keys: readonly string[],
): Promise<Map<string, CanonicalRow>> {
  const out = new Map<string, CanonicalRow>();
  const wanted = new Set(keys);
  for (let i = 0; i < keys.length; i += 500) {
    const where = keyPredicate(plan, keys.slice(i, i + 500));
    if (!where) continue;
    for await (const page of targetRowPages(client, plan, { where })) {
      for (const row of page) if (row.targetKey !== null && wanted.has(row.targetKey)) out.set(row.targetKey, row);
    }
  }
  return out;
}

/** True when every key column can be looked up by value (json cannot: it has no equality). */
export function keysCanBeLookedUp(plan: TablePlan): boolean {
  return (
    plan.primaryKey.length > 0 &&
    plan.primaryKey.every((name) => plan.columns.find((c) => c.name === name)?.logical !== 'json')
  );
}
