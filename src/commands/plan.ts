// sqlite2pg plan: the TablePlans a run would use (source → target, row counts, column types and their
// reasons, warnings), or with --sql the target DDL, without touching any database.
import type { Config } from '../runtime/config.js';
import { planSources } from './session.js';
import { commandMapping } from './command-mapping.js';
import { planFromMapping } from '../plan/build-plan.js';
import { fullSchemaSql } from '../load/ddl.js';
import { countRows } from '../extract/introspect.js';
import type { RunPlan, TablePlan, ColumnPlan } from '../model/table-plan.js';
import { forecastTable, type RejectForecast } from '../plan/forecast.js';
import { EXIT } from '../model/errors.js';
import type { CommandResult } from './migrate.js';
import { unaccounted } from '../model/inventory-entry.js';
import { describeFate, describeObject } from '../report/inventory-report.js';

function sourceOf(c: ColumnPlan): string {
  if (c.source.kind === 'column') return `${c.source.name}${c.source.declaredType ? ` ${c.source.declaredType}` : ''}`;
  if (c.source.kind === 'expr') return `= ${c.source.sql}`;
  return `= ${JSON.stringify(c.source.value)}`;
}

/** "would reject 3 rows: price not_a_number ×2 (row 7: …)" lines. */
function describeForecast(f: RejectForecast | undefined): string[] {
  if (!f) return [];
  return [
    ...f.conversions.map(
      (c) =>
        `    forecast: ${c.rows} row${c.rows === 1 ? '' : 's'} would be rejected (${c.code}${c.column ? ` in ${c.column}` : ''}), e.g. ${c.example}`,
    ),
    ...f.orphans.map(
      (o) =>
        `    forecast: ${o.rows} row${o.rows === 1 ? '' : 's'} point at no parent row and would be rejected (${o.foreignKey})`,
    ),
  ];
}

function describeTable(t: TablePlan, rows: number, forecast?: RejectForecast): string {
  const head = `${t.sourceName} → ${t.targetName}  (${t.sourceExists ? `${rows.toLocaleString('en-US')} rows` : `empty source: ${t.emptyReason}`})`;
  const width = Math.max(...t.columns.map((c) => c.name.length));
  const cols = t.columns.map((c) => {
    const flags = [
      c.serial && 'serial',
      !c.nullable && 'not null',
      c.policy !== 'reject' && `policy ${c.policy}`,
      c.localTimeZone && `local zone ${c.localTimeZone}`,
      c.collation && `collate "${c.collation}"`,
    ]
      .filter(Boolean)
      .join(', ');
    const why = [c.reason ? `why: ${c.reason}` : '', c.note ? `note: ${c.note}` : '']
      .filter(Boolean)
      .map((w) => `      ${' '.repeat(width)}${w}`);
    return [
      `    ${c.name.padEnd(width)}  ${c.targetType.padEnd(16)} ← ${sourceOf(c)}${flags ? `  [${flags}]` : ''}`,
      ...why,
    ].join('\n');
  });
  const extra = [
    t.primaryKey.length ? `    primary key (${t.primaryKey.join(', ')})` : '',
    ...t.foreignKeys.map(
      (fk) => `    foreign key (${fk.columns.join(', ')}) → ${fk.references} (${fk.referencedColumns.join(', ')})`,
    ),
    ...t.unique.map((u) => `    unique ${u.name} (${u.columns.join(', ')})`),
    ...t.indexes.map((ix) => `    index ${ix.name} (${ix.columns.join(', ')})`),
    t.fullText
      ? `    full-text ${t.fullText.column} tsvector (${t.fullText.language}: ${t.fullText.columns.join(', ')}), GIN index ${t.fullText.index}`
      : '',
    t.dropped.length ? `    dropped on purpose: ${t.dropped.join(', ')}` : '',
    t.note ? `    note: ${t.note}` : '',
    ...t.warnings.map((w) => `    warning: ${w}`),
    ...describeForecast(forecast),
  ].filter(Boolean);
  return [head, ...cols, ...extra].join('\n');
}

export function describePlan(
  plan: RunPlan,
  rows: (t: TablePlan) => number,
  forecasts?: ReadonlyMap<string, RejectForecast>,
): string {
  const lines = [`mapping "${plan.mappingName}" (schema version ${plan.schemaVersion}), sources in ${plan.sourceDir}`];
  for (const f of plan.files) lines.push(`  ${f.file}: ${f.state === 'empty' ? 'empty file (0 bytes)' : 'ok'}`);
  lines.push('', ...plan.tables.map((t) => describeTable(t, rows(t), forecasts?.get(t.targetName)) + '\n'));
  if (plan.excluded?.length) lines.push(`left out by include/exclude patterns: ${plan.excluded.join(', ')}`, '');
  if (plan.notMigrated?.length) {
    lines.push(
      'not migrated:',
      ...plan.notMigrated.map(
        (n) =>
          `  - ${n.file}: ${n.kind} ${n.name}${n.table && n.table !== n.name ? ` (on ${n.table})` : ''}: ${n.reason}`,
      ),
      '',
    );
  }
  if (plan.deviations.length)
    lines.push('deviations from the original plan:', ...plan.deviations.map((d) => `  - ${d}`), '');
  if (plan.inventory?.length)
    lines.push(
      'inventory (every object of the source files and what the mapping makes of it):',
      ...plan.inventory.map((e) => `  ${describeObject(e)}: ${describeFate(e)}`),
    );
  const lost = unaccounted(plan.inventory);
  if (lost.length)
    lines.push(
      '',
      `NOT ACCOUNTED FOR: ${lost.map((e) => `${e.file}:${e.name}`).join(', ')} hold${lost.length === 1 ? 's' : ''} rows the mapping neither maps nor excludes; migrate and verify would exit 1`,
    );
  return lines.join('\n');
}

export async function runPlan(config: Config): Promise<CommandResult> {
  // The DDL depends on the mapping alone: print it even where the source files are not at hand.
  if (config.sql)
    return {
      report: null,
      exitCode: EXIT.ok,
      text: fullSchemaSql(planFromMapping(commandMapping(config, null), config.sourceDir)),
    };
  const { sources, plan } = planSources(config);
  try {
    const rows = (t: TablePlan) => (t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0);
    // Rows the mapping neither maps nor excludes: what migrate and verify would exit 1 on.
    const exitCode = unaccounted(plan.inventory).length ? EXIT.differences : EXIT.ok;
    const forecasts = new Map<string, RejectForecast>();
    for (const t of plan.tables) forecasts.set(t.targetName, await forecastTable(sources.db(t.source.file), t, plan));
    if (config.json) {
      const json = {
        ...plan,
        tables: plan.tables.map((t) => ({
          ...t,
          sourceRows: rows(t),
          autoincrementSeq: t.autoincrementSeq?.toString() ?? null,
          forecast: forecasts.get(t.targetName),
        })),
      };
      return { report: null, exitCode, text: JSON.stringify(json, null, 2) };
    }
    return { report: null, exitCode, text: describePlan(plan, rows, forecasts) };
  } finally {
    sources.close();
  }
}
