// The PostgreSQL side of verification: the rows as the server returns them (COPY … TO STDOUT, text),
// in the verifier's canonical form.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TablePlan } from '../plan/table-plan.js';
import { qualified, quoteIdent } from '../load/quote.js';
import { canonicalFromPg, splitCopyLine } from './canonical-pg.js';
import { keyIndexes, targetKeyOf, type CanonicalRow } from './source-side.js';

/** Streams every target row; `where` (SQL) narrows it, e.g. to a key range. */
export async function* targetCanonicalRows(client: pg.ClientBase, plan: TablePlan, where = 'true'): AsyncGenerator<CanonicalRow> {
  const keyIdx = keyIndexes(plan);
  const cols = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
  const stream = client.query(copyTo(`COPY (SELECT ${cols} FROM ${qualified(plan.target.schema, plan.target.table)} WHERE ${where}) TO STDOUT`));
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let rest = '';
  const logical = plan.columns.map((c) => c.logical);
  const toRow = (line: string): CanonicalRow => {
    const fields = splitCopyLine(line);
    const values = fields.map((f, i) => canonicalFromPg(logical[i], f));
    return { sourceKey: null, targetKey: targetKeyOf(values, keyIdx), values, invalid: null };
  };
  for await (const chunk of stream) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) yield toRow(line);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield toRow(rest);
}
