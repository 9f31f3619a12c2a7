// Creates the target schemas and tables (idempotently) and records the schema version and what this run
// created, so rollback can later remove only objects the run made.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { RunPlan } from '../model/table-plan.js';
import { fullSchemaSql, preLoadSql } from './ddl.js';
import { recordCreatedObjects, recordSchemaVersion } from '../ledger/ledger.js';
import { qualified } from '../pg/quote.js';

export interface ExistingTable {
  name: string;
  rows: boolean;
}

/** Which target tables exist already, and whether they hold any row. */
export async function inspectTargetTables(client: pg.ClientBase, plan: RunPlan): Promise<Map<string, ExistingTable>> {
  const out = new Map<string, ExistingTable>();
  for (const t of plan.tables) {
    const reg = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [
      qualified(t.target.schema, t.target.table),
    ]);
    if (!reg.rows[0].present) continue;
    const r = await client.query(`SELECT EXISTS (SELECT 1 FROM ${qualified(t.target.schema, t.target.table)}) AS rows`);
    out.set(t.targetName, { name: t.targetName, rows: r.rows[0].rows as boolean });
  }
  return out;
}

/** Runs the pre-load DDL; returns the schemas and tables that did not exist before. */
export async function applySchema(
  client: pg.ClientBase,
  plan: RunPlan,
  runId: string | null,
): Promise<{ kind: string; name: string }[]> {
  const schemas = await client.query('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)', [plan.schemas]);
  const existingSchemas = new Set(schemas.rows.map((r) => r.nspname as string));
  const existing = await inspectTargetTables(client, plan);
  for (const sql of preLoadSql(plan)) await client.query(sql);
  const created = [
    ...plan.schemas.filter((s) => !existingSchemas.has(s)).map((name) => ({ kind: 'schema', name })),
    ...plan.tables.filter((t) => !existing.has(t.targetName)).map((t) => ({ kind: 'table', name: t.targetName })),
  ];
  const ddlSha = createHash('sha256').update(fullSchemaSql(plan)).digest('hex');
  await recordSchemaVersion(client, plan.mappingName, plan.schemaVersion, plan.mappingHash, ddlSha);
  if (runId) await recordCreatedObjects(client, runId, created);
  return created;
}
