// sqlite2pg plan: the TablePlans a run would use (source → target, row counts, column types and their
// reasons, warnings), or with --sql the target DDL, without touching any database.
import type { Config } from '../config.js';
import { planSources } from './session.js';
import { loadMapping } from '../mapping/load-mapping.js';
import { planFromMapping } from '../plan/build-plan.js';
import { fullSchemaSql } from '../load/ddl.js';
import { countRows } from '../extract/introspect.js';
import type { RunPlan, TablePlan, ColumnPlan } from '../plan/table-plan.js';
import { EXIT } from '../errors.js';
import type { CommandResult } from './migrate.js';

function sourceOf(c: ColumnPlan): string {
  if (c.source.kind === 'column') return `${c.source.name}${c.source.declaredType ? ` ${c.source.declaredType}` : ''}`;
  if (c.source.kind === 'expr') return `= ${c.source.sql}`;
  return `= ${JSON.stringify(c.source.value)}`;
}

function describeTable(t: TablePlan, rows: number): string {
  const head = `${t.sourceName} → ${t.targetName}  (${t.sourceExists ? `${rows.toLocaleString('en-US')} rows` : `empty source: ${t.emptyReason}`})`;
  const width = Math.max(...t.columns.map((c) => c.name.length));
  const cols = t.columns.map((c) => {
    const flags = [c.serial && 'serial', !c.nullable && 'not null', c.policy !== 'reject' && `policy ${c.policy}`, c.localTimeZone && `local zone ${c.localTimeZone}`].filter(Boolean).join(', ');
    return `    ${c.name.padEnd(width)}  ${c.targetType.padEnd(16)} ← ${sourceOf(c)}${flags ? `  [${flags}]` : ''}`;
  });
  const extra = [
    t.primaryKey.length ? `    primary key (${t.primaryKey.join(', ')})` : '',
    ...t.foreignKeys.map((fk) => `    foreign key (${fk.columns.join(', ')}) → ${fk.references} (${fk.referencedColumns.join(', ')})`),
    ...t.indexes.map((ix) => `    index ${ix.name} (${ix.columns.join(', ')})`),
    t.dropped.length ? `    dropped on purpose: ${t.dropped.join(', ')}` : '',
    t.note ? `    note: ${t.note}` : '',
    ...t.warnings.map((w) => `    warning: ${w}`),
  ].filter(Boolean);
  return [head, ...cols, ...extra].join('\n');
}

export function describePlan(plan: RunPlan, rows: (t: TablePlan) => number): string {
  const lines = [`mapping "${plan.mappingName}" (schema version ${plan.schemaVersion}), sources in ${plan.sourceDir}`];
  for (const f of plan.files) lines.push(`  ${f.file}: ${f.state === 'empty' ? 'empty file (0 bytes)' : 'ok'}`);
  lines.push('', ...plan.tables.map((t) => describeTable(t, rows(t)) + '\n'));
  if (plan.deviations.length) lines.push('deviations from the original plan:', ...plan.deviations.map((d) => `  - ${d}`));
  return lines.join('\n');
}

export async function runPlan(config: Config): Promise<CommandResult> {
  // The DDL depends on the mapping alone: print it even where the source files are not at hand.
  if (config.sql) return { report: null, exitCode: EXIT.ok, text: fullSchemaSql(planFromMapping(loadMapping(config.mappingFile), config.sourceDir)) };
  const { sources, plan } = planSources(config);
  try {
    const rows = (t: TablePlan) => (t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0);
    if (config.json) {
      const json = { ...plan, tables: plan.tables.map((t) => ({ ...t, sourceRows: rows(t), autoincrementSeq: t.autoincrementSeq?.toString() ?? null })) };
      return { report: null, exitCode: EXIT.ok, text: JSON.stringify(json, null, 2) };
    }
    return { report: null, exitCode: EXIT.ok, text: describePlan(plan, rows) };
  } finally {
    sources.close();
  }
}
