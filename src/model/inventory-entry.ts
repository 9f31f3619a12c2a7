// One line of a report's inventory: a source object and what became of it. Built from the plan
// (plan/account-objects.ts), completed with row counts by the run (report/inventory-report.ts).
/**
 * What a source object is. `shadow table`: a table a virtual table keeps its data in; `internal table`: SQLite's own
 * (sqlite_*).
 */
export type SourceObjectKind =
  'table' | 'virtual table' | 'shadow table' | 'internal table' | 'view' | 'trigger' | 'index' | 'foreign key';

/**
 * loaded: the table's rows went into `target`; created: the index, key or constraint exists in `target`;
 * excluded: the mapping leaves the table out by name or pattern (its rows counted); not migrated: the object
 * does not arrive, `detail` says why; not accounted for: a table holding rows the mapping neither maps nor
 * excludes (exit 1); ignored: nothing of it is lost (SQLite's own tables, shadow tables, an empty unmapped table).
 */
export type Fate = 'loaded' | 'created' | 'excluded' | 'not migrated' | 'not accounted for' | 'ignored';

export interface InventoryEntry {
  /** The source file, as the mapping names it. */
  file: string;
  kind: SourceObjectKind;
  name: string;
  /** The table the object belongs to (index, trigger, foreign key), or the virtual table a shadow table serves. */
  table?: string;
  fate: Fate;
  /** loaded: `schema.table`; created: `schema.table: index name` and the like. */
  target?: string;
  /** Tables: the source's rows (null: they could not be counted). */
  rows?: number | null;
  /** loaded tables, once a run read them: as in the table's report. */
  loadedRows?: number;
  rejectedRows?: number;
  targetRows?: number;
  /** Why, for every fate but a plain load. */
  detail?: string;
}

/** The entries that make a run exit 1: tables holding rows the mapping neither maps nor excludes. */
export function unaccounted(inventory: readonly InventoryEntry[] | undefined): InventoryEntry[] {
  return (inventory ?? []).filter((e) => e.fate === 'not accounted for');
}
