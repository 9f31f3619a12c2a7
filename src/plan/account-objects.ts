// What the mapping makes of every object of one source file: each table loaded, excluded by name or
// pattern, or not accounted for; each index and foreign key created in the target or not, each view and
// trigger not migrated — with why. The run adds row counts (report/inventory-report.ts).
import { holdsRows, type SourceObject } from '../extract/inventory.js';
import { skippedTables, type MappingSource, type NotMigrated } from '../model/mapping-types.js';
import { OTHER_REASONS } from '../init/init-source.js';
import { snakeCase } from '../init/identifiers.js';
import type { InventoryEntry } from '../model/inventory-entry.js';
import type { TablePlan } from '../model/table-plan.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
/** A target name written from a source name under any identifier policy (keep, lower, snake). */
const sameName = (target: string, source: string) => same(target, source) || target === snakeCase(source);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** What one file's objects are matched against. */
export interface FileAccounts {
  source: MappingSource;
  /** The file's tables this run takes (after include/exclude). */
  plans: readonly TablePlan[];
  /** True when the include/exclude patterns take the table. */
  taken: (table: string) => boolean;
  /** The table's rows; null when they cannot be counted (a virtual table whose module is not at hand). */
  count: (table: string) => number | null;
}

const INTERNAL: Record<string, string> = {
  sqlite_sequence: "SQLite's AUTOINCREMENT counters: the target's sequences are set past them",
};

function internalReason(name: string): string {
  if (INTERNAL[name.toLowerCase()]) return INTERNAL[name.toLowerCase()];
  if (/^sqlite_stat/i.test(name)) return "SQLite's query-planner statistics (ANALYZE): PostgreSQL keeps its own";
  return "SQLite's own table";
}

function rowsText(rows: number | null): string {
  return rows === null
    ? 'rows that could not be counted'
    : `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`;
}

/** A table, virtual table, shadow table or SQLite's own table. */
function accountTable(o: SourceObject, a: FileAccounts): InventoryEntry {
  const base = { file: a.source.file, kind: o.kind, name: o.name, ...(o.table ? { table: o.table } : {}) };
  if (o.kind === 'internal table')
    return { ...base, fate: 'ignored', rows: a.count(o.name), detail: internalReason(o.name) };
  const plan = a.plans.find((p) => same(p.source.table, o.name));
  if (plan) return { ...base, fate: 'loaded', target: plan.targetName };
  const skipped = skippedTables(a.source).find((x) => same(x.table, o.name));
  if (skipped)
    return { ...base, fate: 'excluded', rows: a.count(o.name), detail: skipped.reason ?? 'listed under "skipTables"' };
  if (!a.taken(o.name))
    return { ...base, fate: 'excluded', rows: a.count(o.name), detail: 'left out by the include/exclude patterns' };
  const rows = a.count(o.name);
  // Only SQLite's own word makes a table a shadow table whose rows are its virtual table's: a name alone does not.
  if (o.kind === 'shadow table' && !o.guessed)
    return {
      ...base,
      fate: 'ignored',
      rows,
      detail: `shadow table of virtual table ${o.table}: its rows belong to ${o.table}, accounted for there`,
    };
  if (rows === 0) return { ...base, fate: 'ignored', rows, detail: 'empty (0 rows) and not in the mapping' };
  const unreadable =
    rows === null
      ? ` (${o.kind === 'virtual table' ? `module ${o.module || 'unknown'} not available` : 'unreadable'})`
      : '';
  const guess =
    o.kind === 'shadow table'
      ? ` (by its name a shadow table of virtual table ${o.table}, whose module is not available to confirm it)`
      : '';
  return {
    ...base,
    fate: 'not accounted for',
    rows,
    detail: `${rowsText(rows)}${unreadable}${guess}, neither mapped nor excluded: map it, or list it under "skipTables" to leave it behind on purpose`,
  };
}

/** The mapping's own note on an object it leaves behind (`init` writes them), if any. */
function noteOf(
  a: FileAccounts,
  kinds: NotMigrated['kind'][],
  name: string,
  table: string | undefined,
): string | undefined {
  return (a.source.notMigrated ?? []).find(
    (n) => kinds.includes(n.kind) && same(n.name, name) && (!table || !n.table || same(n.table, table)),
  )?.reason;
}

/** Target columns of source columns (null where one is an expression or not mapped). */
function targetColumns(plan: TablePlan, columns: (string | null)[]): string[] | null {
  const out = columns.map((c) =>
    c === null ? undefined : plan.columns.find((x) => x.source.kind === 'column' && same(x.source.name, c))?.name,
  );
  return out.every((c): c is string => c !== undefined) ? out : null;
}

function accountIndex(
  o: SourceObject,
  plan: TablePlan,
  a: FileAccounts,
): Pick<InventoryEntry, 'fate' | 'target' | 'detail'> {
  const note = noteOf(a, ['index', 'unique constraint'], o.name, o.table);
  const cols = o.columns ?? [];
  const what =
    o.origin === 'pk' ? 'the PRIMARY KEY' : o.origin === 'u' ? `the UNIQUE constraint (${cols.join(', ')})` : null;
  if (o.partial || cols.some((c) => c === null)) {
    // Ported by init under the index's own name (as the identifier policy spelt it).
    const ported = plan.indexes.find((x) => x.ported && sameName(x.name, o.name));
    if (ported)
      return {
        fate: 'created',
        target: `${plan.targetName}: index ${ported.name}`,
        detail: o.partial ? 'a partial index, its WHERE translated' : 'an index on expressions, translated',
      };
    return {
      fate: 'not migrated',
      detail:
        note ??
        `${o.partial ? 'a partial index (WHERE …)' : 'an index on expressions'} the mapping does not carry; re-create it by hand`,
    };
  }
  const target = targetColumns(plan, cols);
  if (target) {
    const on = `${plan.targetName}:`;
    if (plan.primaryKey.length && sameSet(plan.primaryKey, target))
      return { fate: 'created', target: `${on} primary key`, ...(what ? { detail: what } : {}) };
    const u = plan.unique.find((x) => sameSet(x.columns, target));
    if (u) return { fate: 'created', target: `${on} unique ${u.name}`, ...(what ? { detail: what } : {}) };
    const ix = o.unique
      ? undefined
      : plan.indexes.find((x) => x.columns.length === target.length && x.columns.every((c, i) => c === target[i]));
    if (ix) return { fate: 'created', target: `${on} index ${ix.name}` };
  }
  const kind = o.unique ? 'unique index or constraint' : 'index';
  return {
    fate: 'not migrated',
    detail:
      note ??
      `the mapping has no ${kind} on ${plan.targetName} (${target?.join(', ') ?? cols.join(', ')})${what ? ` for ${what}` : ''}`,
  };
}

function accountForeignKey(
  o: SourceObject,
  plan: TablePlan,
  a: FileAccounts,
): Pick<InventoryEntry, 'fate' | 'target' | 'detail'> {
  const ref = o.references!;
  const parent = a.plans.find((p) => same(p.source.table, ref.table));
  const cols = targetColumns(plan, o.columns ?? []);
  const fk =
    parent && cols
      ? plan.foreignKeys.find((f) => f.references === parent.targetName && sameSet(f.columns, cols))
      : undefined;
  if (fk) return { fate: 'created', target: `${plan.targetName}: foreign key ${fk.name}` };
  // A foreign key the mapping has, onto a table the include/exclude patterns leave out of this run.
  const mapped = a.source.tables
    .find((t) => same(t.source, plan.source.table))
    ?.foreignKeys?.find((f) => cols && sameSet(f.columns, cols));
  if (mapped) return { fate: 'not migrated', detail: `not created: ${mapped.references} is excluded from this run` };
  const note = noteOf(a, ['foreign key'], o.name, o.table);
  return {
    fate: 'not migrated',
    detail:
      note ?? `the mapping has no foreign key ${o.name}${parent ? '' : ` (${ref.table} is not loaded by this run)`}`,
  };
}

/** The inventory of one file's objects, as the mapping plans them. */
export function accountObjects(objects: readonly SourceObject[], a: FileAccounts): InventoryEntry[] {
  const tables = new Map<string, InventoryEntry>();
  const out: InventoryEntry[] = [];
  for (const o of objects) {
    const base = { file: a.source.file, kind: o.kind, name: o.name, ...(o.table ? { table: o.table } : {}) };
    if (holdsRows(o)) {
      const e = accountTable(o, a);
      tables.set(o.name.toLowerCase(), e);
      out.push(e);
    } else if (o.kind === 'view' && a.source.views?.some((v) => sameName(v.name, o.name))) {
      const v = a.source.views.find((x) => sameName(x.name, o.name))!;
      out.push({ ...base, fate: 'created', target: `${a.source.schema}.${v.name}`, detail: 'its SELECT translated' });
    } else if (o.kind === 'view' || o.kind === 'trigger') {
      out.push({
        ...base,
        fate: 'not migrated',
        detail: noteOf(a, [o.kind], o.name, o.table) ?? OTHER_REASONS[o.kind],
      });
    } else {
      // Indexes and foreign keys follow their table: they arrive only with it.
      const owner = tables.get((o.table ?? '').toLowerCase());
      const plan = a.plans.find((p) => same(p.source.table, o.table ?? ''));
      if (!plan) {
        out.push({
          ...base,
          fate: owner?.fate === 'excluded' ? 'excluded' : 'not migrated',
          detail: `its table ${o.table} is not migrated`,
        });
        continue;
      }
      out.push({ ...base, ...(o.kind === 'index' ? accountIndex(o, plan, a) : accountForeignKey(o, plan, a)) });
    }
  }
  return out;
}
