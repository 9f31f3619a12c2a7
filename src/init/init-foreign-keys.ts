// `init`, foreign keys: each SQLite FOREIGN KEY re-created after the load when PostgreSQL can hold it
// (the parent is a table of the file, its key is a primary key or unique constraint of the target, the
// types agree, and it closes no cycle); otherwise listed as not migrated with the reason.
import type Database from 'better-sqlite3';
import type { ForeignKeyFacts } from '../extract/table-facts.js';
import { countOrphans } from '../extract/fk-orphans.js';
import type { ForeignKeyAction, MappingForeignKey } from '../model/mapping-types.js';
import type { NameRegistry } from './identifiers.js';
import type { TableDraft } from './init-table.js';

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** True when `to` reaches `from` through the edges already kept: adding from → to would close a cycle. */
function reaches(edges: Map<string, Set<string>>, to: string, from: string): boolean {
  const seen = new Set<string>();
  const stack = [to];
  while (stack.length) {
    const t = stack.pop()!;
    if (t === from) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push(...(edges.get(t) ?? []));
  }
  return false;
}

const NUMBERS = new Set(['bigint', 'double precision', 'numeric']);

/**
 * A referencing column whose stored values chose a number type, under a referenced key of type text (an
 * application writing `9001` in one table and `'9001'` or `'EPSG'` in the other): the column becomes text
 * too, which holds every number exactly as its decimal text, so the foreign key can be kept.
 */
function widensToText(d: TableDraft, column: string, parent: TableDraft, referenced: string): boolean {
  if (parent.cols.types.get(referenced) !== 'text' || !NUMBERS.has(d.cols.types.get(column) ?? '')) return false;
  const col = d.table.columns.find((c) => c.name === column);
  return col !== undefined && !col.serial;
}

function widenToText(d: TableDraft, column: string, parent: TableDraft, referenced: string): void {
  if (!widensToText(d, column, parent, referenced)) return;
  const col = d.table.columns.find((c) => c.name === column)!;
  const was = col.type;
  col.type = 'text';
  col.reason = `${col.reason ?? ''}; text, not ${was}: it references ${parent.target}.${referenced}, which is text, and a foreign key needs the same type on both sides (numbers kept as their decimal text)`;
  d.cols.types.set(column, 'text');
}

type Resolved = { fk: MappingForeignKey; parent: TableDraft; parentColumns: string[] } | { why: string };

function resolve(d: TableDraft, fk: ForeignKeyFacts, drafts: TableDraft[], schema: string): Resolved {
  const parent = drafts.find((p) => p.facts.name.toLowerCase() === fk.parent.toLowerCase());
  if (!parent) return { why: `it references ${fk.parent}, which is not a table of this file` };
  const declaredKey = parent.facts.columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const parentColumns = fk.parentColumns.every((c) => c !== null) ? (fk.parentColumns as string[]) : declaredKey;
  if (parentColumns.length !== fk.columns.length)
    return { why: `it names ${fk.columns.length} columns, the key of ${fk.parent} has ${parentColumns.length}` };
  const columns = fk.columns.map((c) => d.cols.targetOf.get(c.toLowerCase()));
  const referenced = parentColumns.map((c) => parent.cols.targetOf.get(c.toLowerCase()));
  if (columns.includes(undefined) || referenced.includes(undefined))
    return { why: 'it names columns the tables do not have' };
  const keys = [parent.table.primaryKey ?? [], ...(parent.table.unique ?? []).map((u) => u.columns)];
  if (!keys.some((k) => sameSet(k, referenced as string[]))) {
    return {
      why: `${parentColumns.join(', ')} is not the primary key or a unique constraint of ${parent.target} in the target`,
    };
  }
  // A column widenToText can make text counts as matching; it is widened only once the whole key matches.
  const mismatch = columns.findIndex(
    (c, i) =>
      d.cols.types.get(c!) !== parent.cols.types.get(referenced[i]!) && !widensToText(d, c!, parent, referenced[i]!),
  );
  if (mismatch >= 0) {
    return {
      why: `${columns[mismatch]} is ${d.cols.types.get(columns[mismatch]!)} but ${referenced[mismatch]} is ${parent.cols.types.get(referenced[mismatch]!)}: PostgreSQL needs the same type on both sides`,
    };
  }
  columns.forEach((c, i) => widenToText(d, c!, parent, referenced[i]!));
  const out: MappingForeignKey = {
    columns: columns as string[],
    references: `${schema}.${parent.target}`,
    referencedColumns: referenced as string[],
  };
  if (fk.onDelete !== 'NO ACTION') out.onDelete = fk.onDelete as ForeignKeyAction;
  if (fk.onUpdate !== 'NO ACTION') out.onUpdate = fk.onUpdate as ForeignKeyAction;
  return { fk: out, parent, parentColumns };
}

/** Adds each draft's foreign keys (in file order), or its not-migrated entry and a warning. */
export function draftForeignKeys(
  db: Database.Database,
  drafts: TableDraft[],
  schema: string,
  relations: NameRegistry,
): void {
  const edges = new Map<string, Set<string>>();
  for (const d of drafts) {
    const kept: MappingForeignKey[] = [];
    for (const fk of d.facts.foreignKeys) {
      const label = `(${fk.columns.join(', ')}) → ${fk.parent}`;
      const r = resolve(d, fk, drafts, schema);
      if ('why' in r) {
        d.notMigrated.push({
          kind: 'foreign key',
          name: label,
          table: d.facts.name,
          reason: `not re-created: ${r.why}`,
        });
        d.warnings.push(`foreign key ${label} not re-created: ${r.why}`);
        continue;
      }
      // A key closing a cycle between tables is added after the load, unchecked row by row (plan/break-cycles.ts).
      const closesCycle = r.parent !== d && reaches(edges, r.parent.target, d.target);
      if (r.parent !== d) {
        if (!edges.has(d.target)) edges.set(d.target, new Set());
        edges.get(d.target)!.add(r.parent.target);
      }
      r.fk.name = relations.take(`${d.target}_${r.fk.columns.join('_')}_fkey`);
      kept.push({ name: r.fk.name, ...r.fk });
      const orphans = countOrphans(db, d.facts.name, fk.columns, r.parent.facts.name, r.parentColumns);
      if (orphans > 0 && closesCycle) {
        d.warnings.push(
          `foreign key ${label}: ${orphans} rows point at no row of ${fk.parent}; the key closes a cycle, so it is added after the load and PostgreSQL will refuse it (a warning of the run; the rows load): remove it from the mapping, or repair the rows`,
        );
      } else if (orphans > 0) {
        d.warnings.push(
          `foreign key ${label}: ${orphans} rows point at no row of ${fk.parent} (SQLite enforces foreign keys only with PRAGMA foreign_keys=ON) and will be rejected; remove the foreign key from the mapping to load them`,
        );
      }
    }
    if (kept.length) d.table.foreignKeys = kept;
  }
}
