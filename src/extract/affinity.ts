// SQLite's type affinity of a declared column type: the five rules of https://www.sqlite.org/datatype3.html §3.1.

/** The affinity SQLite gives a column: how it coerces values on the way in. */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/**
 * The rules, in SQLite's order: the first whose substring occurs in the upper-cased declared type wins.
 * That order is why "FLOATING POINT" has INTEGER affinity (it contains "INT") and "STRING" NUMERIC.
 */
const RULES: { affinity: Affinity; contains: string[] }[] = [
  { affinity: 'INTEGER', contains: ['INT'] },
  { affinity: 'TEXT', contains: ['CHAR', 'CLOB', 'TEXT'] },
  { affinity: 'BLOB', contains: ['BLOB'] },
  { affinity: 'REAL', contains: ['REAL', 'FLOA', 'DOUB'] },
];

/** The affinity of a declared type (an empty declared type has BLOB affinity; anything unmatched NUMERIC). */
export function affinityOf(declaredType: string): Affinity {
  const t = declaredType.toUpperCase();
  if (t.trim() === '') return 'BLOB';
  return RULES.find((r) => r.contains.some((c) => t.includes(c)))?.affinity ?? 'NUMERIC';
}
