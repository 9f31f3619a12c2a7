// Rows of a self-referencing table whose foreign key points at no row of the table itself. KeyGuard cannot
// check them while loading (the referenced rows arrive in the same COPY), and PostgreSQL would refuse the
// constraint after the load, so a pre-pass over the source finds them — and, in turn, the rows pointing at
// them — to be rejected like any other foreign_key violation, without aborting the table.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import type { RowConverter } from '../transform/convert-row.js';
import { fieldText, type Field } from '../transform/field.js';
import { readRawPages } from '../extract/read-rows.js';
import { rawRowKey } from '../extract/row-identity.js';
import { KeyGuard, type KeyViolation, type ParentKeys } from './key-guard.js';

const SEP = '\u0001';

/** Key of `indexes` in the converted fields, as KeyGuard builds it; null when any part is NULL (MATCH SIMPLE). */
function keyOf(fields: readonly Field[], indexes: number[]): string | null {
  const parts: string[] = [];
  for (const i of indexes) {
    const v = fieldText(fields[i]);
    if (v === null) return null;
    parts.push(v);
  }
  return parts.join(SEP);
}

interface SelfKey {
  name: string;
  columns: string[];
  own: number[];
  ref: number[];
}

/**
 * Source keys of the rows to reject for a self-reference, with the violation to record. Rows the load
 * rejects anyway (conversion, other keys) provide no referenced key; a rejected row's children are
 * rejected in turn (worklist over the reverse references: linear in the table's rows). `convert` takes
 * readRawPages' rows (key columns first).
 */
export function selfReferenceOrphans(
  db: Database.Database | null,
  plan: TablePlan,
  convert: RowConverter,
  parents: ParentKeys,
): Map<string, KeyViolation> {
  const orphans = new Map<string, KeyViolation>();
  const names = plan.columns.map((c) => c.name);
  const selfKeys: SelfKey[] = plan.foreignKeys
    .filter((fk) => fk.references === plan.targetName)
    .map((fk) => ({
      name: fk.name,
      columns: fk.columns,
      own: fk.referencedColumns.map((c) => names.indexOf(c)),
      ref: fk.columns.map((c) => names.indexOf(c)),
    }));
  if (selfKeys.length === 0 || !db) return orphans;

  // The same checks the load runs, so that only rows the load would write provide keys.
  const guard = KeyGuard.fromKeys(plan, parents, db);
  const rows: { key: string; own: (string | null)[]; ref: (string | null)[] }[] = [];
  const owners = selfKeys.map(() => new Map<string, number>());
  for (const page of readRawPages(db, plan)) {
    for (const raw of page) {
      const out = convert(raw);
      if (!out.ok || (guard.active && guard.check(out.fields))) continue;
      const i =
        rows.push({
          key: rawRowKey(plan, raw),
          own: selfKeys.map((k) => keyOf(out.fields, k.own)),
          ref: selfKeys.map((k) => keyOf(out.fields, k.ref)),
        }) - 1;
      selfKeys.forEach((_, j) => {
        const own = rows[i].own[j];
        if (own !== null && !owners[j].has(own)) owners[j].set(own, i);
      });
    }
  }

  const children = selfKeys.map(() => new Map<string, number[]>());
  const queue: number[] = [];
  const dead = new Set<number>();
  const kill = (i: number, j: number, why: string) => {
    if (dead.has(i)) return;
    dead.add(i);
    const k = selfKeys[j];
    const shown = rows[i].ref[j]!.split(SEP).join(', ');
    orphans.set(rows[i].key, {
      code: 'foreign_key',
      column: k.columns.join(','),
      reason: `${k.columns.join(', ')} = ${shown} ${why} of ${plan.targetName} (${k.name})`,
    });
    queue.push(i);
  };
  rows.forEach((r, i) =>
    selfKeys.forEach((_, j) => {
      const ref = r.ref[j];
      if (ref === null) return;
      if (!owners[j].has(ref)) kill(i, j, 'points at no row');
      else {
        const list = children[j].get(ref);
        if (list) list.push(i);
        else children[j].set(ref, [i]);
      }
    }),
  );
  while (queue.length > 0) {
    const parent = rows[queue.pop()!];
    selfKeys.forEach((_, j) => {
      const own = parent.own[j];
      if (own === null) return;
      for (const child of children[j].get(own) ?? []) kill(child, j, 'points at a rejected row');
    });
  }
  return orphans;
}
