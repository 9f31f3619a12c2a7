// What the target's structure must be for one table, as the plan says and src/load/ddl.ts builds it:
// columns with their types, NOT NULL and defaults, primary key, unique constraints, foreign keys, indexes,
// and the sequences behind serial columns.
import type { TablePlan } from '../../model/table-plan.js';
import type { TargetType } from '../../model/mapping-types.js';

/** Each mapping type as PostgreSQL's format_type() spells it. */
export const CATALOG_TYPE = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  real: 'real',
  'double precision': 'double precision',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  date: 'date',
  jsonb: 'jsonb',
  json: 'json',
  bytea: 'bytea',
} as const satisfies Record<TargetType, string>;

/** A column as the DDL creates it. */
export interface ExpectedColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** serial: nextval() of its own sequence; some: a default; none: no default. */
  default: 'serial' | 'some' | 'none';
}

/** A foreign key as the DDL creates it (actions default to NO ACTION). */
export interface ExpectedForeignKey {
  name: string;
  columns: string[];
  /** `schema.table` */
  references: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
  /** It closes a cycle: added after the load, where PostgreSQL may refuse it (a warning then, here too). */
  deferred: boolean;
}

/** One table's expected structure. */
export interface ExpectedStructure {
  columns: ExpectedColumn[];
  primaryKey: string[];
  unique: { name: string; columns: string[] }[];
  foreignKeys: ExpectedForeignKey[];
  /** `ported`: expressions or a predicate, compared by shape (PostgreSQL rewrites their SQL); absent: a warning. */
  indexes: {
    name: string;
    columns: string[];
    unique: boolean;
    ported: boolean;
    keys: number;
    expressions: boolean;
    partial: boolean;
  }[];
  /** Serial columns: each has a sequence at or past the column's largest value. */
  serialColumns: string[];
}

/** What the target table must look like, from the plan. */
export function expectedStructure(plan: TablePlan): ExpectedStructure {
  const inKey = new Set(plan.primaryKey);
  return {
    columns: [
      ...plan.columns.map((c): ExpectedColumn => ({
        name: c.name,
        type: CATALOG_TYPE[c.targetType],
        // serial implies NOT NULL, and so does being part of the primary key.
        notNull: !c.nullable || c.serial || inKey.has(c.name),
        default: c.serial ? 'serial' : c.default !== null ? 'some' : 'none',
      })),
      // The generated tsvector column: its expression is kept where a default is (pg_attrdef).
      ...(plan.fullText
        ? [{ name: plan.fullText.column, type: 'tsvector', notNull: false, default: 'some' as const }]
        : []),
    ],
    primaryKey: [...plan.primaryKey],
    unique: plan.unique.map((u) => ({ name: u.name, columns: [...u.columns] })),
    foreignKeys: plan.foreignKeys.map((fk) => ({
      name: fk.name,
      columns: [...fk.columns],
      references: fk.references,
      referencedColumns: [...fk.referencedColumns],
      onDelete: fk.onDelete ?? 'NO ACTION',
      onUpdate: fk.onUpdate ?? 'NO ACTION',
      deferred: fk.deferred === true,
    })),
    indexes: [
      ...plan.indexes.map((ix) => ({
        name: ix.name,
        columns: [...ix.columns],
        unique: ix.unique,
        ported: ix.ported,
        keys: ix.expressions?.length ?? ix.columns.length,
        expressions: ix.expressions !== null,
        partial: ix.where !== null,
      })),
      ...(plan.fullText
        ? [
            {
              name: plan.fullText.index,
              columns: [plan.fullText.column],
              unique: false,
              ported: false,
              keys: 1,
              expressions: false,
              partial: false,
            },
          ]
        : []),
    ],
    serialColumns: plan.columns.filter((c) => c.serial).map((c) => c.name),
  };
}
