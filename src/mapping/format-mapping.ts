// Writes a mapping as JSON a person can read and edit: one line per column, index, key or note, nested
// structure indented, keys in a fixed order (what a table is, then its columns, then its constraints).
import type { Mapping } from '../model/mapping-types.js';

/** Keys of a block (mapping, source, table) in the order they are written; others follow in their own order. */
const BLOCK_ORDER = [
  'version',
  'name',
  'schemaVersion',
  'file',
  'schema',
  'include',
  'exclude',
  'skipTables',
  'source',
  'target',
  'note',
  'primaryKey',
  'columns',
  'drop',
  'unique',
  'indexes',
  'foreignKeys',
  'timestampColumns',
  'tables',
  'notMigrated',
  'sources',
  'deviations',
];

/** Keys of a one-line object (column, index, key, note): what it is, where from, its settings, then why. */
const LINE_ORDER = [
  'name',
  'kind',
  'type',
  'from',
  'expr',
  'value',
  'nullable',
  'serial',
  'default',
  'policy',
  'localTimeZone',
  'emptyAsNull',
  'columns',
  'unique',
  'references',
  'referencedColumns',
  'onDelete',
  'onUpdate',
  'table',
  'note',
  'reason',
  'sql',
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isPrimitive = (v: Json) => v === null || typeof v !== 'object';
const isFlat = (v: Json): boolean =>
  isPrimitive(v) ||
  (Array.isArray(v)
    ? v.every(isPrimitive)
    : Object.values(v).every((x) => isPrimitive(x) || (Array.isArray(x) && x.every(isPrimitive))));

function ordered(o: { [k: string]: Json }, order: string[]): [string, Json][] {
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(o).sort((a, b) => rank(a[0]) - rank(b[0]));
}

/** A flat value on one line: `{"name": "id", "type": "bigint"}`. */
function inline(v: Json): string {
  if (isPrimitive(v)) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return `{${ordered(v, LINE_ORDER)
    .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
    .join(', ')}}`;
}

function render(v: Json, indent: string): string {
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0 || v.every(isPrimitive)) return inline(v);
    return `[\n${v.map((x) => inner + (isFlat(x) ? inline(x) : render(x, inner))).join(',\n')}\n${indent}]`;
  }
  if (isPrimitive(v)) return JSON.stringify(v);
  return `{\n${ordered(v as { [k: string]: Json }, BLOCK_ORDER)
    .map(([k, x]) => `${inner}${JSON.stringify(k)}: ${render(x, inner)}`)
    .join(',\n')}\n${indent}}`;
}

/** The mapping as readable JSON text (parses back to the same object), ending in a newline. */
export function formatMapping(mapping: Mapping): string {
  return render(mapping as unknown as Json, '') + '\n';
}
