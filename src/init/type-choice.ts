// Chooses a PostgreSQL type for a SQLite column from its declared type and the values it really stores:
// the declared type proposes candidates (a lookup table, then SQLite's affinity), the stored values decide
// — the first candidate whose data rule accepts every stored value wins. Never aborts on a type name.
import type { TargetType } from '../model/mapping-types.js';
import { affinityOf, type Affinity } from '../extract/affinity.js';
import type { ColumnProfile, Probe } from '../extract/value-profile.js';
import { describeClasses, valueCount } from '../extract/value-profile.js';
import { TYPE_RULES } from '../transform/logical-types.js';
import { isWellFormed } from '../transform/text.js';
import { describeValue } from '../transform/conversion.js';
import { storageClass, type SqliteValue } from '../model/sqlite-value.js';
import type { StorageClass } from '../extract/value-profile.js';
import { CATCH_ALL, MIX_TYPES, typeForMix } from './storage-mix.js';

/** What a declared type proposes, before any value is looked at. */
export interface TypeCandidates {
  declaredType: string;
  affinity: Affinity;
  /** Types to try, most wanted first. */
  chain: TargetType[];
  /** The type when the column holds no value to check. */
  whenEmpty: TargetType;
  /** A remark on the declared type that goes into the reason. */
  remark: string | null;
  /** Neither a type name SQLite documents nor one the rules above recognise (or a trap): worth a warning. */
  unknown: boolean;
  /**
   * No declared type: SQLite kept each value's storage class as the application wrote it, so each candidate
   * takes only its own classes (UNTYPED_CLASSES): a stored 1.0 is a REAL, a BLOB is bytes, even where
   * another type's rule could read them.
   */
  untyped: boolean;
}

interface DeclaredRule {
  test: RegExp;
  chain: TargetType[];
  remark?: (declared: string) => string | null;
  /** A name whose SQLite affinity works against its meaning: warned about even though it is recognised. */
  trap?: true;
}

/** Declared type names with a meaning beyond their affinity, checked in this order (upper-cased name). */
const DECLARED_RULES: DeclaredRule[] = [
  { test: /\bBOOL(EAN)?\b/, chain: ['boolean', 'bigint', 'text'] },
  { test: /\bTIMESTAMPTZ\b|\bTIMESTAMP\s+WITH\s+TIME\s+ZONE\b/, chain: ['timestamptz', 'double precision', 'text'] },
  { test: /\b(DATETIME2?|SMALLDATETIME|TIMESTAMP)\b/, chain: ['timestamp', 'double precision', 'text'] },
  { test: /^DATE$/, chain: ['date', 'timestamp', 'double precision', 'text'] },
  {
    test: /^TIME\b/,
    chain: ['text'],
    remark: () => 'a time of day is kept as its text (no PostgreSQL time conversion rule)',
  },
  {
    test: /\bJSONB?\b/,
    chain: ['jsonb', 'text'],
    remark: () => 'jsonb keeps the JSON meaning, not its spelling (type json keeps the text exactly)',
  },
  { test: /\b(UUID|GUID|UNIQUEIDENTIFIER)\b/, chain: ['text', 'bytea'] },
  {
    test: /\b(DECIMAL|NUMERIC|NUMBER|MONEY|DEC)\b/,
    chain: ['numeric', 'text'],
    remark: (d) =>
      /\(/.test(d)
        ? `numeric without precision or scale, so no stored digit is rounded (SQLite does not enforce ${d.slice(d.indexOf('('))})`
        : null,
  },
  {
    test: /\bSTRING\b/,
    chain: ['text', 'bytea'],
    trap: true,
    remark: () =>
      'STRING has NUMERIC affinity in SQLite: text that looked like a number was stored as a number, and is written as its decimal text',
  },
  { test: /\b(BINARY|VARBINARY|IMAGE|BYTEA|RAW)\b/, chain: ['bytea', 'text'] },
];

/** Candidates by affinity alone, for every other declared type. */
const AFFINITY_CANDIDATES: Record<Affinity, { chain: TargetType[]; whenEmpty: TargetType }> = {
  INTEGER: { chain: ['bigint', 'numeric', 'text', 'bytea'], whenEmpty: 'bigint' },
  TEXT: { chain: ['text'], whenEmpty: 'text' },
  BLOB: { chain: ['bytea', 'text'], whenEmpty: 'bytea' },
  REAL: { chain: ['double precision', 'numeric', 'text'], whenEmpty: 'double precision' },
  NUMERIC: { chain: ['bigint', 'numeric', 'text', 'bytea'], whenEmpty: 'text' },
};

/** No declared type at all: SQLite keeps each value as given, so the values alone decide. */
const UNTYPED = {
  chain: ['bigint', 'double precision', 'numeric', 'text', 'bytea'] as TargetType[],
  whenEmpty: 'text' as TargetType,
};

/** The storage classes each candidate of an untyped column takes. */
const UNTYPED_CLASSES: Partial<Record<TargetType, StorageClass[]>> = {
  bigint: ['integer', 'text'],
  'double precision': ['integer', 'real', 'text'],
  numeric: ['integer', 'real', 'text'],
  text: ['integer', 'real', 'text'],
  bytea: ['blob', 'text', 'integer', 'real'],
};

/** The type names of SQLite's documentation (§3.1.1), sizes removed: a name outside it is "unknown". */
const DOCUMENTED = new Set([
  'INT',
  'INTEGER',
  'TINYINT',
  'SMALLINT',
  'MEDIUMINT',
  'BIGINT',
  'UNSIGNED BIG INT',
  'INT2',
  'INT8',
  'CHARACTER',
  'VARCHAR',
  'VARYING CHARACTER',
  'NCHAR',
  'NATIVE CHARACTER',
  'NVARCHAR',
  'TEXT',
  'CLOB',
  'BLOB',
  'REAL',
  'DOUBLE',
  'DOUBLE PRECISION',
  'FLOAT',
  'NUMERIC',
  'DECIMAL',
  'BOOLEAN',
  'DATE',
  'DATETIME',
  'ANY',
]);

/** The substrings SQLite's affinity rules look for (§3.1), by the affinity each gives. */
const AFFINITY_WORDS: RegExp[] = [/INT/, /CHAR|CLOB|TEXT/, /BLOB/, /REAL|FLOA|DOUB/];

/**
 * A name holding the words of exactly one affinity says plainly what it stores, as MySQL's `SMALLINT
 * UNSIGNED`, `MEDIUMTEXT` or Oracle's `VARCHAR2(45)` do: not worth a warning. None (`YEAR`: NUMERIC by
 * default) or several (`FLOATING POINT` is INTEGER, for the INT in POINT) is.
 */
const plainAffinity = (name: string) => AFFINITY_WORDS.filter((w) => w.test(name)).length === 1;

const normalise = (declared: string) =>
  declared
    .toUpperCase()
    .replace(/\(.*\)/, '')
    .replace(/\s+/g, ' ')
    .trim();

/** The candidates a declared type proposes (`strict`: the table is STRICT, where ANY keeps values as given). */
export function candidatesFor(declaredType: string, strict = false): TypeCandidates {
  const name = normalise(declaredType);
  const affinity = affinityOf(declaredType);
  const rule = DECLARED_RULES.find((r) => r.test.test(name));
  const base = {
    declaredType,
    affinity,
    unknown: name !== '' && ((!DOCUMENTED.has(name) && !rule && !plainAffinity(name)) || rule?.trap === true),
    untyped: false,
  };
  if (name === '' || (strict && name === 'ANY')) return { ...base, ...UNTYPED, remark: null, untyped: true };
  if (rule)
    return { ...base, chain: rule.chain, whenEmpty: rule.chain[0], remark: rule.remark?.(declaredType.trim()) ?? null };
  return { ...base, ...AFFINITY_CANDIDATES[affinity], remark: null };
}

/**
 * A number a timestamp rule would read as Unix epoch seconds but that is a Julian day number, as SQLite's
 * julianday() writes them (years 0 to 9999; as epoch seconds it would be a day in early 1970).
 */
export function looksJulian(v: SqliteValue): boolean {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
  return n >= 1721424 && n < 5373485;
}

/** Values a candidate's data rule would accept but read as something they are not. */
const MISREAD: Partial<Record<TargetType, (v: SqliteValue) => boolean>> = {
  timestamp: looksJulian,
  timestamptz: looksJulian,
  date: looksJulian,
};

/** Name of the probe that also asks for the type's own storage classes (untyped columns). */
const own = (type: TargetType) => `${type} (own classes)`;

/**
 * One probe per candidate: "the data rule of this type accepts the value (and does not misread it)"; for
 * an untyped column, a second one per candidate that also wants the value in one of the type's own classes.
 */
export function probesFor(c: TypeCandidates): Probe[] {
  const byRule = (type: TargetType) => {
    // bytea refuses only text with an unpaired surrogate (toBytea): asked without writing any value's hex,
    // which init would otherwise do for every value of every column (and past V8's string limit for a 300 MB BLOB).
    if (type === 'bytea') return (v: SqliteValue) => typeof v !== 'string' || isWellFormed(v);
    const misread = MISREAD[type];
    return (v: SqliteValue) => !misread?.(v) && TYPE_RULES[type].convert(v, { localTimeZone: null }).ok;
  };
  const probes = c.chain.flatMap((type) => {
    const rule: Probe = { name: type, accepts: byRule(type) };
    const classes = UNTYPED_CLASSES[type];
    if (!c.untyped || !classes) return [rule];
    return [
      rule,
      { name: own(type), accepts: (v: SqliteValue) => classes.includes(storageClass(v)) && rule.accepts(v) },
    ];
  });
  // The storage-class rule (storage-mix.ts) may pick any of these, whatever the declared type proposes.
  for (const type of MIX_TYPES) if (!c.chain.includes(type)) probes.push({ name: type, accepts: byRule(type) });
  return probes;
}

/** The chosen type, with the reason written into the mapping. */
export interface TypeChoice {
  type: TargetType;
  /** Why, in one line, for the mapping's `reason` and `plan`. */
  reason: string;
  /** Set when the declared type is unknown or some stored values will be rejected. */
  warnings: string[];
}

function basisOf(c: TypeCandidates): string {
  if (c.declaredType.trim() === '') return 'no declared type (BLOB affinity: values kept as given)';
  if (c.unknown) return `declared ${c.declaredType} (not a SQLite type name: ${c.affinity} affinity)`;
  return `declared ${c.declaredType}`;
}

/** Picks the type from the profile the candidates' probes produced. */
export function chooseType(c: TypeCandidates, profile: ColumnProfile): TypeChoice {
  const basis = basisOf(c);
  const stored = `stored: ${describeClasses(profile)}`;
  const remark = c.remark ? `; ${c.remark}` : '';
  const warnings = c.unknown ? [`${basis}; chose the type by its affinity and the stored values`] : [];
  const n = valueCount(profile);
  if (n === 0)
    return { type: c.whenEmpty, reason: `${basis} → ${c.whenEmpty} (no value stored to check)${remark}`, warnings };
  const probe = (name: string) => profile.probes.find((p) => p.name === name);
  const byRule = c.chain.map((type) => ({ type, probe: probe(type)! }));
  // Untyped: first a type taking every value in its own storage classes; else any type whose rule takes them all.
  const byOwn = c.untyped ? c.chain.map((type) => ({ type, probe: probe(own(type)) ?? probe(type)! })) : null;
  const ownClean = byOwn?.find((r) => r.probe.refused === 0);
  const results = ownClean ? byOwn! : byRule;
  const clean = ownClean ?? byRule.find((r) => r.probe.refused === 0);
  const skipped = results
    .slice(0, clean ? results.findIndex((r) => r.type === clean.type) : results.length)
    .map(
      (r) =>
        `${r.type} would refuse ${r.probe.refused} (e.g. ${describeValue(r.probe.example!)}${MISREAD[r.type]?.(r.probe.example!) ? ', a Julian day number' : ''})`,
    );
  const why = skipped.length ? `; ${skipped.join('; ')}` : '';
  const refused = (type: TargetType) => probe(type)?.refused ?? Infinity;
  if (clean) {
    // Numbers in a column whose declared type ends in text or bytea: the storage classes decide instead.
    const mix =
      CATCH_ALL.has(clean.type) && profile.classes.integer + profile.classes.real > 0
        ? typeForMix(profile, refused)
        : null;
    if (mix) return { type: mix.type, reason: `${basis} → ${mix.type}: ${mix.why} (${stored})${remark}`, warnings };
    return {
      type: clean.type,
      reason: `${basis} → ${clean.type}: every stored value converts (${stored})${why}${remark}`,
      warnings,
    };
  }
  const mix = typeForMix(profile, refused);
  if (mix) {
    return {
      type: mix.type,
      reason: `${basis} → ${mix.type}: no candidate of the declared type takes every value${why}; ${mix.why} (${stored})${remark}`,
      warnings: [
        ...warnings,
        `no candidate of the declared type takes every value${why}; chose ${mix.type}, which keeps them all: set another "type" with a "policy" to have it otherwise`,
      ],
    };
  }
  const best = byRule.reduce((a, b) => (b.probe.refused < a.probe.refused ? b : a));
  const loss = `${best.probe.refused} of ${n} values (e.g. ${describeValue(best.probe.example!)}) fit no candidate type and their rows will be rejected`;
  return {
    type: best.type,
    reason: `${basis} → ${best.type}, the type refusing fewest values (${stored})${why}${remark}`,
    warnings: [...warnings, `${loss}; set a "policy" or another "type" for the column to keep them`],
  };
}
