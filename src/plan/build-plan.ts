// Builds the frozen RunPlan: the mapping applied to what each SQLite file really holds.
// Every source column must land somewhere or be dropped on purpose; columns are matched by name.
import path from 'node:path';
import type { LoadedMapping } from '../mapping/load-mapping.js';
import type { Mapping, MappingColumn, MappingSource, MappingTable } from '../model/mapping-types.js';
import { MappingError, SourceReadError } from '../model/errors.js';
import { TYPE_RULES } from '../transform/logical-types.js';
import { autoincrementSeq, countRows, listTables, quoteSqlite, type SourceTable } from '../extract/introspect.js';
import { readInventory, type SourceObject } from '../extract/inventory.js';
import { accountObjects } from './account-objects.js';
import type { InventoryEntry } from '../model/inventory-entry.js';
import { checkExprs } from './check-exprs.js';
import type { OpenSource } from '../extract/open-source.js';
import { unreadableReason } from '../extract/read-rows.js';
import type { ColumnPlan, ColumnSource, PlanView, RunPlan, TablePlan } from '../model/table-plan.js';
import { orderByDependencies } from './load-order.js';
import { deferCycleForeignKeys } from './break-cycles.js';
import { tableFilter } from '../mapping/table-filter.js';
import { tableWarnings } from './plan-warnings.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function columnSource(col: MappingColumn, table: SourceTable | undefined, where: string): ColumnSource {
  if (col.from !== undefined) {
    const found = table?.columns.find((c) => same(c.name, col.from!));
    if (table && !found) {
      throw new MappingError(
        `${where}: column "${col.name}" takes source column "${col.from}", which the table does not have (it has: ${table.columns.map((c) => c.name).join(', ')})`,
        { column: col.from },
      );
    }
    return { kind: 'column', name: found?.name ?? col.from, declaredType: found?.declaredType ?? '' };
  }
  if (col.expr !== undefined) return { kind: 'expr', sql: col.expr };
  return { kind: 'const', value: col.value ?? null };
}

function planColumns(t: MappingTable, table: SourceTable | undefined, where: string, exprs: string[]): ColumnPlan[] {
  const sourceNames = table?.columns.map((c) => c.name) ?? [];
  return t.columns.map((col) => {
    const source = columnSource(col, table, where);
    let extractIndex = -1;
    if (source.kind === 'column') extractIndex = sourceNames.findIndex((n) => same(n, source.name));
    if (source.kind === 'expr') extractIndex = sourceNames.length + exprs.push(source.sql) - 1;
    return {
      name: col.name,
      targetType: col.type,
      logical: TYPE_RULES[col.type].logical,
      source,
      nullable: col.nullable ?? true,
      default: col.default ?? null,
      serial: col.serial ?? false,
      policy: col.policy ?? 'reject',
      localTimeZone: col.localTimeZone ?? null,
      emptyAsNull: col.emptyAsNull ?? false,
      extractIndex,
      reason: col.reason ?? null,
      note: col.note ?? null,
      ...(col.collation ? { collation: col.collation } : {}),
    };
  });
}

/** Every source column must be taken by a target column or listed under `drop`: nothing is lost by omission. */
function checkNothingOmitted(t: MappingTable, table: SourceTable, where: string): void {
  const taken = new Set(t.columns.flatMap((c) => (c.from ? [c.from.toLowerCase()] : [])));
  const dropped = new Set((t.drop ?? []).map((d) => d.toLowerCase()));
  for (const c of table.columns) {
    if (!taken.has(c.name.toLowerCase()) && !dropped.has(c.name.toLowerCase())) {
      throw new MappingError(
        `${where}: source column "${c.name}" has no target column; map it, or list it under "drop" to leave it behind on purpose`,
        { column: c.name },
      );
    }
  }
}

/**
 * A mapped table the file does not have is a bad mapping (a typo, or an object sqlite2pg does not read as
 * a table), never an empty source: only a 0-byte file is one.
 */
function missingTable(
  s: MappingSource,
  t: MappingTable,
  tables: SourceTable[],
  objects: readonly SourceObject[],
): MappingError {
  const other = objects.find((o) => same(o.name, t.source));
  const what = !other
    ? `which the file does not have (its tables: ${tables.map((x) => x.name).join(', ') || 'none'})`
    : other.kind === 'virtual table'
      ? `which is a virtual table (module ${other.module || 'unknown'}) that sqlite2pg does not read as a table`
      : other.kind === 'shadow table'
        ? `which is a shadow table of virtual table ${other.table}, not a table of its own`
        : `which is ${other.kind === 'index' ? 'an' : 'a'} ${other.kind}, not a table`;
  return new MappingError(
    `${s.file}: the mapping names table "${t.source}", ${what}; correct the name, or remove the table from the mapping`,
    { file: s.file },
  );
}

function planTable(
  s: MappingSource,
  t: MappingTable,
  src: OpenSource,
  tables: SourceTable[] | null,
  planned: ReadonlySet<string>,
  objects: readonly SourceObject[],
): TablePlan {
  const where = `${s.file}:${t.source}`;
  const table = tables?.find((x) => same(x.name, t.source));
  if (tables && !table) throw missingTable(s, t, tables, objects);
  const exprs: string[] = [];
  const columns = planColumns(t, table, where, exprs);
  if (table) {
    checkNothingOmitted(t, table, where);
  }
  const targetName = `${s.schema}.${t.target}`;
  const allForeignKeys = (t.foreignKeys ?? []).map((fk) => ({
    ...fk,
    name: fk.name ?? `${t.target}_${fk.columns.join('_')}_fkey`,
  }));
  // A foreign key to a table the include/exclude patterns leave out cannot be created: it is left out too.
  const foreignKeys = allForeignKeys.filter((fk) => planned.has(fk.references));
  const leftOut = allForeignKeys
    .filter((fk) => !planned.has(fk.references))
    .map((fk) => `foreign key ${fk.name} not created: ${fk.references} is excluded from this run`);
  const plan: TablePlan = {
    sourceName: `${s.file}:${t.source}`,
    targetName,
    source: { file: s.file, path: src.path, table: table?.name ?? t.source },
    target: { schema: s.schema, table: t.target },
    sourceExists: table !== undefined,
    emptyReason: src.db === null ? 'the file is empty (0 bytes)' : null,
    hasRowid: table ? !table.withoutRowid : true,
    sourceKey: table
      ? table.columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name)
      : [],
    sourceColumns: table?.columns.map((c) => ({ name: c.name, declaredType: c.declaredType })) ?? [],
    sourceExprs: exprs,
    columns,
    dropped: t.drop ?? [],
    primaryKey: t.primaryKey ?? [],
    unique: (t.unique ?? []).map((u) => ({
      name: u.name ?? `${t.target}_${u.columns.join('_')}_key`,
      columns: u.columns,
    })),
    foreignKeys,
    indexes: (t.indexes ?? []).map((ix) => ({
      name: ix.name,
      columns: ix.columns ?? [],
      expressions: ix.expressions ?? null,
      where: ix.where ?? null,
      unique: ix.unique ?? false,
      ported: ix.expressions !== undefined || ix.where !== undefined,
    })),
    timestampColumns: t.timestampColumns ?? [],
    dependsOn: [...new Set(foreignKeys.map((fk) => fk.references).filter((r) => r !== targetName))],
    autoincrementSeq: table && src.db ? autoincrementSeq(src.db, table.name) : null,
    warnings: [],
    note: t.note ?? null,
    ...(t.fullText ? { fullText: t.fullText } : {}),
  };
  // Expressions first: a bad one is named as such, not as a table SQLite cannot read.
  if (table && src.db) checkExprs(src.db, plan, where);
  if (table && src.db) checkReadable(src.db, plan);
  return { ...plan, warnings: [...leftOut, ...tableWarnings(plan, table)] };
}

/** A table SQLite will not read as the load and verify read it: exit 2 before anything is written. */
function checkReadable(db: NonNullable<OpenSource['db']>, plan: TablePlan): void {
  const why = unreadableReason(db, plan);
  if (why)
    throw new SourceReadError(
      `source ${plan.source.file}, table ${plan.source.table}: its rows cannot be read (${why})`,
      { file: plan.source.file, table: plan.source.table },
    );
}

/** A table's rows, or null when SQLite cannot read it (a virtual table whose module is not compiled in). */
function counter(src: OpenSource): (table: string) => number | null {
  return (table) => {
    try {
      return countRows(src.db!, table);
    } catch {
      return null;
    }
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Applies the mapping to the opened source files. `sources` is keyed by the mapping's file names. */
export function buildRunPlan(loaded: LoadedMapping, sourceDir: string, sources: Map<string, OpenSource>): RunPlan {
  const { mapping } = loaded;
  const tables: TablePlan[] = [];
  const files: RunPlan['files'] = [];
  const excluded: string[] = [];
  const inventory: InventoryEntry[] = [];
  const filters = new Map(mapping.sources.map((s) => [s.file, tableFilter(s.include, s.exclude)]));
  const planned = new Set(
    mapping.sources.flatMap((s) =>
      s.tables.filter((t) => filters.get(s.file)!(t.source)).map((t) => `${s.schema}.${t.target}`),
    ),
  );
  for (const s of mapping.sources) {
    const src = sources.get(s.file);
    if (!src) throw new Error(`source ${s.file} was not opened`);
    const taken = filters.get(s.file)!;
    const found = src.db ? listTables(src.db) : null;
    const objects = src.db ? readInventory(src.db) : [];
    files.push({ file: s.file, path: src.path, state: src.db ? 'ok' : 'empty' });
    const mine: TablePlan[] = [];
    for (const t of s.tables) {
      if (taken(t.source)) mine.push(planTable(s, t, src, found, planned, objects));
      else excluded.push(`${s.file}:${t.source}`);
    }
    tables.push(...mine);
    if (src.db) inventory.push(...accountObjects(objects, { source: s, plans: mine, taken, count: counter(src) }));
    const mapped = new Set(s.tables.map((t) => t.source.toLowerCase()));
    for (const t of found ?? [])
      if (!mapped.has(t.name.toLowerCase()) && !taken(t.name)) excluded.push(`${s.file}:${t.name}`);
  }
  return deepFreeze({
    mappingName: mapping.name,
    mappingHash: loaded.hash,
    schemaVersion: mapping.schemaVersion,
    sourceDir: path.resolve(sourceDir),
    files,
    tables: orderByDependencies(deferCycleForeignKeys(tables)),
    schemas: [...new Set(mapping.sources.map((s) => s.schema))],
    deviations: mapping.deviations ?? [],
    excluded,
    notMigrated: mapping.sources.flatMap((s) => (s.notMigrated ?? []).map((n) => ({ ...n, file: s.file }))),
    views: viewsOf(mapping),
    inventory,
  });
}

function viewsOf(mapping: Mapping): PlanView[] {
  return mapping.sources.flatMap((s) =>
    (s.views ?? []).map((v) => ({
      file: s.file,
      schema: s.schema,
      name: v.name,
      sql: v.sql,
      required: v.required ?? false,
    })),
  );
}

/** The plan as the mapping alone describes it (no source file consulted): enough for the DDL. */
export function planFromMapping(loaded: LoadedMapping, sourceDir: string): RunPlan {
  const stubs = new Map(
    loaded.mapping.sources.map((s) => [
      s.file,
      { file: s.file, path: path.resolve(sourceDir, s.file), db: null, close() {} } as OpenSource,
    ]),
  );
  return buildRunPlan(loaded, sourceDir, stubs);
}
