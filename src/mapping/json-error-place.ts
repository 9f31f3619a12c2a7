// Where a mapping file stops being JSON, as a person looks for it: line and column, with the reason.
// Node's own JSON.parse message names no position on every version; the project's strict scanner does.
import { scanJson } from '../transform/json.js';

/** "line 12, column 5: an unexpected character", or null when the scanner finds nothing wrong. */
export function jsonErrorPlace(text: string): string | null {
  const syntax = scanJson(text).syntax;
  if (syntax === null) return null;
  const at = /^(.*) at character (\d+)$/.exec(syntax);
  if (!at) return syntax; // "… at the end"
  const offset = Number(at[2]) - 1;
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}: ${at[1]}`;
}
