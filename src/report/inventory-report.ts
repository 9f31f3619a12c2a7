// The report's inventory: the plan's accounting of every source object, with the run's row counts for the
// tables it loaded or compared, and the sentences every format prints for it.
import type { InventoryEntry } from '../model/inventory-entry.js';
import type { TableReport } from '../model/run-report.js';

/**
 * The plan's inventory with each loaded table's counts from its report (tables not in `tables`: `skipped` says why).
 */
export function completeInventory(
  inventory: readonly InventoryEntry[] | undefined,
  tables: readonly TableReport[],
  skipped: string,
): InventoryEntry[] {
  return (inventory ?? []).map((e) => {
    if (e.fate !== 'loaded') return { ...e };
    const t = tables.find((x) => x.target === e.target);
    if (!t) return { ...e, detail: skipped };
    return {
      ...e,
      rows: t.sourceRows,
      loadedRows: t.loadedRows,
      rejectedRows: t.rejectedRows,
      targetRows: t.targetRows,
      ...(t.emptySource ? { detail: `empty source: ${t.emptySource}` } : {}),
    };
  });
}

const n = (x: number) => x.toLocaleString('en-US');

/** `knowledge.items: loaded, 990 of 1,000 rows (10 rejected)`, `not migrated: a partial index …`. */
export function describeFate(e: InventoryEntry): string {
  const rows =
    e.rows === undefined ? '' : e.rows === null ? 'rows not counted' : `${n(e.rows)} row${e.rows === 1 ? '' : 's'}`;
  switch (e.fate) {
    case 'loaded': {
      const counts =
        e.loadedRows === undefined
          ? ''
          : `, ${n(e.loadedRows)} of ${rows}${e.rejectedRows ? ` (${n(e.rejectedRows)} rejected)` : ''}`;
      return `loaded into ${e.target}${counts}${e.detail ? ` — ${e.detail}` : ''}`;
    }
    case 'created':
      return `created as ${e.target}${e.detail ? ` (${e.detail})` : ''}`;
    case 'excluded':
      return `excluded by the mapping${rows ? `, ${rows}` : ''} — ${e.detail}`;
    case 'not accounted for':
      return `NOT ACCOUNTED FOR — ${e.detail}`;
    default:
      return `${e.fate}${rows ? `, ${rows}` : ''} — ${e.detail}`;
  }
}

/** `app.db: index idx_x (on notes)`. */
export function describeObject(e: InventoryEntry): string {
  const on = e.table && e.kind !== 'shadow table' ? ` (on ${e.table})` : '';
  return `${e.file}: ${e.kind} ${e.name}${on}`;
}

/**
 * Migrate's warnings: each object that does not arrive and that the mapping did not leave out by name or
 * pattern, with why. Tables it excludes, SQLite's own and shadow tables are in the inventory only.
 */
export function inventoryWarnings(inventory: readonly InventoryEntry[]): string[] {
  return inventory
    .filter((e) => e.fate === 'not migrated' || e.fate === 'not accounted for')
    .map((e) => `${describeObject(e)}: ${e.fate}: ${e.detail}`);
}

/**
 * Objects the plan created that PostgreSQL refused at run time (a ported index or view): `target` → its
 * reason. They become "not migrated" in the report's inventory, with PostgreSQL's words.
 */
export function markRefused(inventory: InventoryEntry[], refused: ReadonlyMap<string, string>): InventoryEntry[] {
  return inventory.map((e) =>
    e.fate === 'created' && e.target && refused.has(e.target)
      ? { ...e, fate: 'not migrated', detail: refused.get(e.target)! }
      : e,
  );
}
