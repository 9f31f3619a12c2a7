// `init`, the tables it does not map: each written under `skipTables` with why (a virtual table, a shadow
// table, an unreadable table), so an untouched `init` mapping accounts for every table of the file.
import type Database from 'better-sqlite3';
import { readInventory } from '../extract/inventory.js';
import { skippedTables, type MappingSource } from '../model/mapping-types.js';

/** Adds a `skipTables` entry, with its reason, for each table of the file `source` neither maps nor skips yet. */
export function excludeUnmapped(source: MappingSource, db: Database.Database): void {
  const known = new Set(
    [...source.tables.map((t) => t.source), ...skippedTables(source).map((s) => s.table)].map((n) => n.toLowerCase()),
  );
  const added: MappingSource['skipTables'] = [];
  for (const o of readInventory(db)) {
    if (known.has(o.name.toLowerCase())) continue;
    if (o.kind === 'shadow table')
      added.push({ table: o.name, reason: `shadow table of virtual table ${o.table}: its rows belong to ${o.table}` });
    else if (o.kind === 'virtual table') {
      const listed = source.notMigrated?.find((n) => n.kind === 'virtual table' && n.name === o.name)?.reason;
      added.push({
        table: o.name,
        reason: listed ?? `a virtual table (module ${o.module || 'unknown'}) init does not map`,
      });
    } else if (o.kind === 'table') added.push({ table: o.name, reason: 'not mapped by init' });
  }
  if (added.length) source.skipTables = [...(source.skipTables ?? []), ...added];
}
