// The logical kinds of target values: what the COPY encoders, the verifier and the key guard tell apart.
export type LogicalType =
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'boolean'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'jsonb'
  | 'json'
  | 'bytea';
