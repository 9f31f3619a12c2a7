// `init`: a SQLite index's key expressions and WHERE clause rewritten for PostgreSQL — source column names
// become the target's quoted names, literals are quoted again by our one quoting function, and the few
// functions and operators that are spelt differently are renamed. Anything it does not know how to carry is
// refused with why (the index is then listed as not migrated); what it writes is still only a draft that
// PostgreSQL may refuse at load time, which the run reports as a warning.
import { quoteIdent, quoteLiteral } from '../pg/quote.js';

type Token =
  | { kind: 'name'; text: string; quoted: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'blob'; hex: string }
  | { kind: 'number'; text: string }
  | { kind: 'op'; text: string };

/** Functions with the same name and meaning in both (over text and numbers), and the ones renamed. */
const SAME_FUNCTIONS = new Set([
  'lower',
  'upper',
  'length',
  'abs',
  'coalesce',
  'nullif',
  'trim',
  'ltrim',
  'rtrim',
  'replace',
  'round',
  'substr',
]);
const RENAMED_FUNCTIONS: Record<string, string> = { ifnull: 'coalesce', instr: 'strpos' };

/** Words that keep their meaning in PostgreSQL. */
const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'null',
  'is',
  'in',
  'between',
  'like',
  'true',
  'false',
  'case',
  'when',
  'then',
  'else',
  'end',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
]);

/** Words with no PostgreSQL counterpart of the same meaning: the expression is not carried. */
const REFUSED: Record<string, string> = {
  collate: 'a COLLATE clause (SQLite collations have no PostgreSQL equivalent of the same order)',
  glob: 'GLOB (no PostgreSQL operator of that meaning)',
  regexp: 'REGEXP (an application-defined function in SQLite)',
  match: 'MATCH (full-text, no PostgreSQL operator of that meaning)',
  escape: 'LIKE … ESCAPE',
  cast: 'CAST (SQLite type names differ from PostgreSQL’s)',
  select: 'a subquery',
  exists: 'a subquery',
};

export class UntranslatableSql extends Error {}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string): string => {
    let s = '';
    for (i++; i < sql.length; i++) {
      if (sql[i] === close) {
        if (sql[i + 1] === close && close !== ']') {
          s += close;
          i++;
          continue;
        }
        i++;
        return s;
      }
      s += sql[i];
    }
    throw new UntranslatableSql('an unterminated quote');
  };
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if ((ch === 'x' || ch === 'X') && sql[i + 1] === "'") {
      i++;
      out.push({ kind: 'blob', hex: quoted("'") });
    } else if (ch === "'") {
      out.push({ kind: 'string', value: quoted("'") });
    } else if (ch === '"' || ch === '`') {
      out.push({ kind: 'name', text: quoted(ch), quoted: true });
    } else if (ch === '[') {
      out.push({ kind: 'name', text: quoted(']'), quoted: true });
    } else if (/[0-9.]/.test(ch) && /[0-9]/.test(sql[i] === '.' ? (sql[i + 1] ?? '') : ch)) {
      const m = /^(0x[0-9a-f]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?)/i.exec(sql.slice(i))!;
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[\p{L}_]/u.test(ch)) {
      const m = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(i))!;
      out.push({ kind: 'name', text: m[0], quoted: false });
      i += m[0].length;
    } else {
      const two = sql.slice(i, i + 2);
      const op = ['==', '!=', '<>', '<=', '>=', '||', '<<', '>>', '->'].includes(two) ? two : ch;
      if (op === '->' || op === '?' || op === ':' || op === '@' || op === '$' || op === ';')
        throw new UntranslatableSql(`the operator or parameter ${op}`);
      out.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  return out;
}

/** How a bare or quoted name of the SQLite text is written for PostgreSQL; null: refuse it. */
type NameResolver = (name: string, quoted: boolean, afterAs: boolean) => string | null;

/** The translation shared by index expressions and views: tokens rewritten one by one. */
function translate(
  sql: string,
  resolveName: NameResolver,
  keywords: ReadonlySet<string>,
  functions: ReadonlySet<string>,
  refused: Readonly<Record<string, string>>,
): string {
  const tokens = tokenize(sql);
  const out: string[] = [];
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    const prev = tokens[i - 1];
    if (t.kind === 'string') out.push(quoteLiteral(t.value));
    else if (t.kind === 'blob') out.push(`${quoteLiteral(`\\x${t.hex}`)}::bytea`);
    else if (t.kind === 'number') out.push(/^0x/i.test(t.text) ? BigInt(t.text).toString() : t.text);
    else if (t.kind === 'op') out.push(t.text === '==' ? '=' : t.text);
    else {
      const lower = t.text.toLowerCase();
      const isCall = !t.quoted && next?.kind === 'op' && next.text === '(' && !keywords.has(lower) && !refused[lower];
      if (isCall) {
        const fn = RENAMED_FUNCTIONS[lower] ?? (functions.has(lower) ? lower : null);
        if (fn === null)
          throw new UntranslatableSql(`the function ${t.text}() (no PostgreSQL function known to mean the same)`);
        out.push(fn);
        return;
      }
      if (!t.quoted && refused[lower]) throw new UntranslatableSql(refused[lower]);
      const afterAs = prev?.kind === 'name' && !prev.quoted && prev.text.toLowerCase() === 'as';
      const resolved = resolveName(t.text, t.quoted, afterAs);
      if (resolved !== null) out.push(resolved);
      else if (!t.quoted && keywords.has(lower)) out.push(lower.toUpperCase());
      else throw new UntranslatableSql(`${JSON.stringify(t.text)}, which is not a column of the table`);
    }
  });
  // Spaces between tokens, none inside parentheses, around a dot, before a comma or after a function's
  // name; never a rewrite of the joined text, which would reach into literals.
  let sqlText = '';
  out.forEach((part, i) => {
    const prev = out[i - 1];
    const tight =
      i === 0 ||
      prev === '(' ||
      prev === '.' ||
      part === '.' ||
      part === ')' ||
      part === ',' ||
      (part === '(' && /^[a-z_]+$/.test(prev));
    sqlText += tight ? part : ` ${part}`;
  });
  return sqlText;
}

/**
 * One SQLite expression over a table's columns, written for PostgreSQL. `columns` maps each source column
 * name, lower-cased (SQLite names are case-insensitive), to its target name.
 */
export function translateExpression(sql: string, columns: ReadonlyMap<string, string>): string {
  const column = (name: string) => {
    const target = columns.get(name.toLowerCase());
    return target === undefined ? null : quoteIdent(target);
  };
  return translate(sql, column, KEYWORDS, SAME_FUNCTIONS, REFUSED);
}

/** Words of a SELECT that keep their meaning in PostgreSQL. */
const SELECT_KEYWORDS = new Set([
  ...KEYWORDS,
  'select',
  'distinct',
  'all',
  'from',
  'where',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'outer',
  'cross',
  'on',
  'using',
  'as',
  'group',
  'by',
  'having',
  'order',
  'limit',
  'offset',
  'union',
  'intersect',
  'except',
  'with',
  'exists',
]);
const SELECT_FUNCTIONS = new Set([...SAME_FUNCTIONS, 'count', 'sum', 'avg', 'min', 'max']);
/** A view may hold subqueries (their names are translated like the rest). */
const SELECT_REFUSED: Record<string, string> = Object.fromEntries(
  Object.entries(REFUSED).filter(([word]) => word !== 'select' && word !== 'exists'),
);

/**
 * A view's SELECT, written for PostgreSQL: the file's tables become the target's qualified tables, their
 * columns the target's names; other names (aliases) are kept, quoted as SQLite reads them (an unquoted
 * name folded to lower case, a name after AS as written). PostgreSQL may still refuse the result.
 */
export function translateSelect(
  sql: string,
  tables: ReadonlyMap<string, string>,
  columns: ReadonlyMap<string, string>,
): string {
  const name = (text: string, quoted: boolean, afterAs: boolean) => {
    const lower = text.toLowerCase();
    if (afterAs) return quoteIdent(text);
    if (tables.has(lower)) return tables.get(lower)!;
    if (columns.has(lower)) return quoteIdent(columns.get(lower)!);
    if (!quoted && SELECT_KEYWORDS.has(lower)) return null;
    return quoteIdent(quoted ? text : lower);
  };
  return translate(sql, name, SELECT_KEYWORDS, SELECT_FUNCTIONS, SELECT_REFUSED);
}

/** A CREATE VIEW statement's name and SELECT (SQLite text), or why it cannot be read. */
export function viewSelect(createViewSql: string): string {
  const m =
    /^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^\s(]+)\s*(\([^)]*\))?\s*AS\s+([\s\S]+?);?\s*$/i.exec(
      createViewSql,
    );
  if (!m) throw new UntranslatableSql('a CREATE VIEW statement sqlite2pg cannot read');
  if (m[1]) throw new UntranslatableSql('a column list after the view name');
  return m[2];
}

/** A CREATE INDEX statement cut into its key elements and its WHERE clause (SQLite text, untranslated). */
export interface IndexParts {
  elements: string[];
  where: string | null;
}

/** Cuts `CREATE [UNIQUE] INDEX … ON t (e1, e2 …) [WHERE …]` at its top-level parentheses and commas. */
export function indexParts(createIndexSql: string): IndexParts {
  const open = createIndexSql.indexOf('(');
  if (open < 0) throw new UntranslatableSql('no key list in the index SQL');
  let depth = 0;
  let inQuote: string | null = null;
  let start = open + 1;
  const elements: string[] = [];
  for (let i = open; i < createIndexSql.length; i++) {
    const ch = createIndexSql[i];
    if (inQuote) {
      if (ch === inQuote) inQuote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') inQuote = ch;
    else if (ch === '[') inQuote = ']';
    else if (ch === '(') depth++;
    else if (ch === ',' && depth === 1) {
      elements.push(createIndexSql.slice(start, i).trim());
      start = i + 1;
    } else if (ch === ')' && --depth === 0) {
      elements.push(createIndexSql.slice(start, i).trim());
      const rest = createIndexSql.slice(i + 1).trim();
      const where = /^WHERE\s+([\s\S]+)$/i.exec(rest);
      if (rest !== '' && !where) throw new UntranslatableSql(`unexpected text after the key list: ${rest}`);
      return { elements, where: where ? where[1].trim() : null };
    }
  }
  throw new UntranslatableSql('unbalanced parentheses in the index SQL');
}

/** A key element with its trailing ASC/DESC kept apart (PostgreSQL takes them after the expression). */
export function splitOrdering(element: string): { expression: string; ordering: string } {
  const m = /\s+(ASC|DESC)\s*$/i.exec(element);
  return m
    ? { expression: element.slice(0, m.index), ordering: ` ${m[1].toUpperCase()}` }
    : { expression: element, ordering: '' };
}
