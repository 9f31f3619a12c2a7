// Orders tables so that every table comes after the tables its foreign keys point at.
import { MappingError } from '../model/errors.js';
import type { TablePlan } from '../model/table-plan.js';

/** A stable topological order (mapping order where dependencies allow); a cycle is a mapping error. */
export function orderByDependencies<T extends Pick<TablePlan, 'targetName' | 'dependsOn'>>(tables: T[]): T[] {
  const byName = new Map(tables.map((t) => [t.targetName, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (t: T, path: string[]) => {
    if (done.has(t.targetName)) return;
    if (visiting.has(t.targetName)) {
      throw new MappingError(
        `foreign keys form a cycle: ${[...path, t.targetName].join(' → ')}; drop one of them from the mapping`,
      );
    }
    visiting.add(t.targetName);
    for (const dep of t.dependsOn) {
      const parent = byName.get(dep);
      if (parent) visit(parent, [...path, t.targetName]);
    }
    visiting.delete(t.targetName);
    done.add(t.targetName);
    out.push(t);
  };
  for (const t of tables) visit(t, []);
  return out;
}
