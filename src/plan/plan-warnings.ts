// Warnings about a table plan that need no data read: what the run cannot do or will do on its own
// (no key to locate differences, unknown declared types, self-references resolved by rejecting rows).
import type { SourceTable } from '../extract/introspect.js';
import { candidatesFor } from '../init/type-choice.js';
import type { TablePlan } from '../model/table-plan.js';

type Check = (plan: TablePlan, table: SourceTable | undefined) => string[];

const CHECKS: Check[] = [
  (plan) =>
    plan.primaryKey.length === 0
      ? ['no primary key: verify proves the table by counts and checksums, but cannot name the rows that differ']
      : [],
  (plan) =>
    plan.columns.flatMap((c) => {
      if (c.source.kind !== 'column') return [];
      const candidates = candidatesFor(c.source.declaredType);
      return candidates.unknown
        ? [
            `${c.name}: declared type ${JSON.stringify(c.source.declaredType)} is not a SQLite type name (${candidates.affinity} affinity); values follow the data rules of ${c.targetType}`,
          ]
        : [];
    }),
  (plan) =>
    plan.foreignKeys
      .filter((fk) => fk.references === plan.targetName)
      .map(
        (fk) =>
          `${fk.name} refers to this table itself: rows that point at no row of it are rejected (foreign_key) before the constraint is added`,
      ),
  (plan, table) =>
    table &&
    !table.withoutRowid &&
    plan.primaryKey.length > 0 &&
    plan.sourceKey.length === 0 &&
    !plan.columns.some((c) => c.source.kind === 'expr' && /^\s*(rowid|_rowid_|oid)\s*$/i.test(c.source.sql))
      ? []
      : [],
];

/** The structural warnings of one table plan. */
export function tableWarnings(plan: TablePlan, table: SourceTable | undefined): string[] {
  return CHECKS.flatMap((check) => check(plan, table));
}
