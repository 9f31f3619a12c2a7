// Foreign keys that form a cycle between tables (a → b → a) cannot all be checked while loading, since
// tables load parents first. One key of each cycle — the one that closes it, in mapping order — is
// deferred: no row check during the load, and the constraint is added after every table is in, where
// PostgreSQL validates it against the loaded rows (refused: a warning of the run, by name).
import type { TablePlan } from '../model/table-plan.js';

const edge = (t: TablePlan, fk: TablePlan['foreignKeys'][number]) => `${t.targetName}\u0000${fk.name}`;

/** The plans with each cycle-closing foreign key marked `deferred` and left out of `dependsOn`. */
export function deferCycleForeignKeys(tables: readonly TablePlan[]): TablePlan[] {
  const byName = new Map(tables.map((t) => [t.targetName, t]));
  const state = new Map<string, 'visiting' | 'done'>();
  const deferred = new Set<string>();
  const visit = (t: TablePlan) => {
    state.set(t.targetName, 'visiting');
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.references);
      if (!parent || parent === t) continue; // a self-reference is checked within its own COPY
      const seen = state.get(parent.targetName);
      if (seen === 'visiting') deferred.add(edge(t, fk));
      else if (seen === undefined) visit(parent);
    }
    state.set(t.targetName, 'done');
  };
  for (const t of tables) if (!state.has(t.targetName)) visit(t);
  if (deferred.size === 0) return [...tables];
  return tables.map((t) => {
    const foreignKeys = t.foreignKeys.map((fk) => (deferred.has(edge(t, fk)) ? { ...fk, deferred: true } : fk));
    const dependsOn = [
      ...new Set(foreignKeys.filter((fk) => !fk.deferred && fk.references !== t.targetName).map((fk) => fk.references)),
    ];
    return { ...t, foreignKeys, dependsOn };
  });
}

/**
 * The foreign keys the load checks row by row against their parent's keys: not a self-reference (checked
 * by self-reference.ts's pre-pass, its rows arrive in the same COPY), nor a key closing a cycle (validated
 * by PostgreSQL after the load, its parent may load later). KeyGuard and readAllParentKeys must agree.
 */
export function rowCheckedForeignKeys(plan: TablePlan): TablePlan['foreignKeys'] {
  return plan.foreignKeys.filter((fk) => fk.references !== plan.targetName && !fk.deferred);
}
