// The run report of the contract (--json, --report FILE), built from the per-table results.

export type RunStatus = 'ok' | 'differences' | 'failed';

export interface DifferenceSample {
  key: string;
  kind: 'missing' | 'extra' | 'changed';
  columns?: string[];
}

export interface TableReport {
  source: string;
  target: string;
  sourceRows: number;
  loadedRows: number;
  rejectedRows: number;
  targetRows: number;
  checksum: { source: string | null; target: string | null; match: boolean };
  differences: { missing: number; extra: number; changed: number; samples: DifferenceSample[] };
  durationMs: number;
  /** Beyond the contract's fields: */
  changedValues?: number;
  rejectsByCode?: Record<string, number>;
  emptySource?: string | null;
  keptFromRun?: string | null;
  stagesMs?: Record<string, number>;
  excludedByGrace?: number;
}

export interface RunReport {
  command: string;
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  tables: TableReport[];
  totals: { sourceRows: number; loadedRows: number; rejectedRows: number; targetRows: number };
  /** Beyond the contract's fields: */
  target?: string;
  mode?: string;
  resumedFrom?: string | null;
  error?: string | null;
  warnings?: string[];
  stagesMs?: Record<string, number>;
  sequences?: { table: string; column: string; next: string | null }[];
}

export function totalsOf(tables: TableReport[]): RunReport['totals'] {
  const sum = (f: (t: TableReport) => number) => tables.reduce((a, t) => a + f(t), 0);
  return {
    sourceRows: sum((t) => t.sourceRows),
    loadedRows: sum((t) => t.loadedRows),
    rejectedRows: sum((t) => t.rejectedRows),
    targetRows: sum((t) => t.targetRows),
  };
}
