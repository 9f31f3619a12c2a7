// Finds rows that would break a UNIQUE/PRIMARY KEY or FOREIGN KEY constraint before they reach COPY,
// so they become rejects instead of aborting the table's load.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TablePlan } from '../plan/table-plan.js';
import { qualified, quoteIdent } from './quote.js';

/** A set of keys; integer keys are kept in a sorted typed array (8 bytes each) instead of a Set of strings. */
interface KeySet {
  has(key: string): boolean;
}

class SortedIntKeys implements KeySet {
  constructor(private readonly keys: BigInt64Array) {}
  has(key: string): boolean {
    let k: bigint;
    try {
      k = BigInt(key);
    } catch {
      return false;
    }
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.keys[mid];
      if (v === k) return true;
      if (v < k) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const SEP = '\u0001';

/**
 * Reads the referenced table's keys. Integer keys stream through COPY into a sorted typed array
 * (8 bytes a key: a million-row parent costs 8 MB); other keys come as text into a Set.
 */
async function readParentKeys(client: pg.ClientBase, parent: string, columns: string[], integer: boolean): Promise<KeySet> {
  const dot = parent.indexOf('.');
  const table = qualified(parent.slice(0, dot), parent.slice(dot + 1));
  const cols = columns.map(quoteIdent);
  const where = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  if (!integer) {
    const r = await client.query({ text: `SELECT ${cols.map((c) => `${c}::text`).join(', ')} FROM ${table} WHERE ${where}`, rowMode: 'array' });
    return new Set(r.rows.map((row: string[]) => row.join(SEP)));
  }
  const stream = client.query(copyTo(`COPY (SELECT ${cols[0]} FROM ${table} WHERE ${where} ORDER BY 1) TO STDOUT`));
  let rest = '';
  let keys = new BigInt64Array(1024);
  let n = 0;
  for await (const chunk of stream) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (n === keys.length) {
        const grown = new BigInt64Array(keys.length * 2);
        grown.set(keys);
        keys = grown;
      }
      keys[n++] = BigInt(line);
    }
  }
  return new SortedIntKeys(keys.subarray(0, n));
}

/**
 * Unique keys whose uniqueness SQLite already guarantees need no tracking: a rowid alias
 * (`INTEGER PRIMARY KEY`) mapped straight to an integer column.
 */
function guaranteedBySource(plan: TablePlan, columns: string[]): boolean {
  if (columns.length !== 1 || !plan.hasRowid || plan.sourceKey.length !== 1) return false;
  const col = plan.columns.find((c) => c.name === columns[0]);
  if (!col || col.source.kind !== 'column' || !INTEGER_TYPES.has(col.logical) || col.policy !== 'reject') return false;
  return col.source.name.toLowerCase() === plan.sourceKey[0].toLowerCase() && col.source.declaredType.toUpperCase() === 'INTEGER';
}

interface UniqueCheck { name: string; indexes: number[]; seen: Set<string> }
interface ForeignCheck { name: string; indexes: number[]; references: string; parent: KeySet }

export type KeyViolation = { code: 'unique' | 'foreign_key'; column: string; reason: string };

export class KeyGuard {
  private constructor(
    private readonly uniques: UniqueCheck[],
    private readonly foreign: ForeignCheck[],
    private readonly names: string[],
  ) {}

  /** Prepares the checks for `plan`, reading each referenced table's keys (already loaded: parents go first). */
  static async create(client: pg.ClientBase, plan: TablePlan): Promise<KeyGuard> {
    const names = plan.columns.map((c) => c.name);
    const idx = (cols: string[]) => cols.map((c) => names.indexOf(c));
    const keyConstraints = [
      ...(plan.primaryKey.length ? [{ name: `${plan.target.table}_pkey`, columns: plan.primaryKey }] : []),
      ...plan.unique,
    ];
    const uniques = keyConstraints
      .filter((u) => !guaranteedBySource(plan, u.columns))
      .map((u) => ({ name: u.name, indexes: idx(u.columns), seen: new Set<string>() }));
    const foreign: ForeignCheck[] = [];
    for (const fk of plan.foreignKeys) {
      // A self-reference is checked by the pre-pass of self-reference.ts (its rows arrive in this very COPY).
      if (fk.references === plan.targetName) continue;
      const integer = fk.columns.length === 1 && INTEGER_TYPES.has(plan.columns.find((c) => c.name === fk.columns[0])!.logical);
      foreign.push({ name: fk.name, indexes: idx(fk.columns), references: fk.references, parent: await readParentKeys(client, fk.references, fk.referencedColumns, integer) });
    }
    return new KeyGuard(uniques, foreign, names);
  }

  get active(): boolean {
    return this.uniques.length > 0 || this.foreign.length > 0;
  }

  private static key(fields: (string | null)[], indexes: number[]): string | null {
    if (indexes.length === 1) return fields[indexes[0]];
    const parts: string[] = [];
    for (const i of indexes) {
      const v = fields[i];
      if (v === null) return null; // NULLs never conflict (MATCH SIMPLE, NULLS DISTINCT)
      parts.push(v);
    }
    return parts.join(SEP);
  }

  /** Checks a converted row; on success its unique keys are remembered. */
  check(fields: (string | null)[]): KeyViolation | null {
    for (const f of this.foreign) {
      const k = KeyGuard.key(fields, f.indexes);
      if (k !== null && !f.parent.has(k)) {
        const cols = f.indexes.map((i) => this.names[i]);
        return { code: 'foreign_key', column: cols.join(','), reason: `${cols.join(', ')} = ${k.split(SEP).join(', ')} points at no row of ${f.references} (${f.name})` };
      }
    }
    const keys: (string | null)[] = [];
    for (const u of this.uniques) {
      const k = KeyGuard.key(fields, u.indexes);
      if (k !== null && u.seen.has(k)) {
        const cols = u.indexes.map((i) => this.names[i]);
        return { code: 'unique', column: cols.join(','), reason: `${cols.join(', ')} = ${k.split(SEP).join(', ')} repeats a key already loaded (${u.name})` };
      }
      keys.push(k);
    }
    this.uniques.forEach((u, i) => {
      if (keys[i] !== null) u.seen.add(keys[i]!);
    });
    return null;
  }
}
