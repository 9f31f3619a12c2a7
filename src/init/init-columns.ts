// `init`, one table's columns: names under the identifier policy, a type chosen from the declared type and
// the stored values (type-choice.ts), NOT NULL, the default translated (default-sql.ts), and the reason for each.
import type { TableFacts, ColumnFacts } from '../extract/table-facts.js';
import type { TableProfile } from '../extract/value-profile.js';
import { quoteSqlite } from '../extract/introspect.js';
import type { MappingColumn, TargetType } from '../model/mapping-types.js';
import { chooseType, type TypeCandidates } from './type-choice.js';
import { translateDefault } from './default-sql.js';
import { NameRegistry, targetName, type IdentifierPolicy } from './identifiers.js';

/** A table's target columns, with what the key, constraint and foreign-key steps look up. */
export interface DraftColumns {
  columns: MappingColumn[];
  /** Source column (lower case, as SQLite matches names) → target column. */
  targetOf: Map<string, string>;
  /** Target column → its type. */
  types: Map<string, TargetType>;
  warnings: string[];
  registry: NameRegistry;
}

const GENERATED_NOTE: Record<ColumnFacts['generated'], string | null> = {
  no: null,
  virtual: 'a generated (VIRTUAL) column in SQLite: its computed values are copied; the expression is not re-created',
  stored: 'a generated (STORED) column in SQLite: its computed values are copied; the expression is not re-created',
};

function columnOf(
  c: ColumnFacts,
  name: string,
  candidates: TypeCandidates,
  profile: TableProfile,
  facts: TableFacts,
  warnings: string[],
): MappingColumn {
  const choice = chooseType(candidates, profile.columns.get(c.name)!);
  warnings.push(...choice.warnings.map((w) => `${c.name}: ${w}`));
  const isRowid = facts.rowidAlias === c.name && choice.type === 'bigint';
  const notes = [
    GENERATED_NOTE[c.generated],
    isRowid
      ? `the table's rowid (INTEGER PRIMARY KEY${facts.autoincrement ? ' AUTOINCREMENT: the sequence also starts past sqlite_sequence' : ''}): a bigserial, its sequence set past the largest key`
      : null,
  ];
  const col: MappingColumn = { name, type: choice.type };
  // A generated column is not a stored column SQLite lists for `from`: its value is read by name as an expression.
  if (c.generated === 'no') col.from = c.name;
  else col.expr = quoteSqlite(c.name);
  if (c.notNull) col.nullable = false;
  if (isRowid) col.serial = true;
  const dflt = isRowid || c.generated !== 'no' ? null : translateDefault(c.defaultSql, choice.type);
  if (dflt?.sql) col.default = dflt.sql;
  if (dflt?.note) notes.push(dflt.note);
  if (dflt && dflt.sql === null) warnings.push(`${c.name}: ${dflt.note}`);
  const note = notes.filter((n): n is string => n !== null).join('; ');
  if (note) col.note = note;
  col.reason = choice.reason;
  return col;
}

/** The target columns of a table, in the source's order, and what the key and constraint steps need. */
export function draftColumns(
  facts: TableFacts,
  profile: TableProfile,
  candidates: Map<string, TypeCandidates>,
  policy: IdentifierPolicy,
): DraftColumns {
  const registry = new NameRegistry();
  const targetOf = new Map<string, string>();
  const types = new Map<string, TargetType>();
  const warnings: string[] = [];
  const columns = facts.columns.map((c, i) => {
    const wanted = targetName(c.name, policy, `column_${i + 1}`);
    const name = registry.take(wanted);
    const col = columnOf(c, name, candidates.get(c.name)!, profile, facts, warnings);
    if (name !== wanted)
      col.note = [
        `named ${name}: ${wanted} was taken by another column under the "${policy}" identifier policy`,
        col.note,
      ]
        .filter(Boolean)
        .join('; ');
    targetOf.set(c.name.toLowerCase(), name);
    types.set(name, col.type);
    return col;
  });
  return { columns, targetOf, types, warnings, registry };
}
