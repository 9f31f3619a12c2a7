// One record per target type: its logical kind and its converter. `satisfies` keeps the table total.
import type { TargetType } from '../model/mapping-types.js';
import type { Converter } from './conversion.js';
import type { LogicalType } from '../model/logical-type.js';
import { toSmallint, toInteger, toBigint, toReal, toDouble, toNumeric } from './numbers.js';
import { toText } from './text.js';
import { toBoolean } from './boolean.js';
import { toTimestamp, toTimestamptz, toDate } from './timestamp.js';
import { toJsonb, toJson } from './json.js';
import { toBytea } from './bytes.js';

export type { LogicalType } from '../model/logical-type.js';

export interface TypeRule {
  logical: LogicalType;
  convert: Converter;
}

export const TYPE_RULES = {
  smallint: { logical: 'int2', convert: toSmallint },
  integer: { logical: 'int4', convert: toInteger },
  bigint: { logical: 'int8', convert: toBigint },
  real: { logical: 'float4', convert: toReal },
  'double precision': { logical: 'float8', convert: toDouble },
  numeric: { logical: 'numeric', convert: toNumeric },
  text: { logical: 'text', convert: toText },
  boolean: { logical: 'boolean', convert: toBoolean },
  timestamp: { logical: 'timestamp', convert: toTimestamp },
  timestamptz: { logical: 'timestamptz', convert: toTimestamptz },
  date: { logical: 'date', convert: toDate },
  jsonb: { logical: 'jsonb', convert: toJsonb },
  json: { logical: 'json', convert: toJson },
  bytea: { logical: 'bytea', convert: toBytea },
} as const satisfies Record<TargetType, TypeRule>;

export const TARGET_TYPES = Object.keys(TYPE_RULES) as TargetType[];
