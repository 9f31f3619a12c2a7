// The error classes of sqlite2pg, each carrying the contract's exit code and what it concerns,
// so that one place (cli.ts) turns any failure into a message and an exit code.

export const EXIT = { ok: 0, differences: 1, badInput: 2, failed: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorPlace {
  file?: string;
  table?: string;
  row?: string;
  column?: string;
}

export abstract class Sqlite2pgError extends Error {
  abstract readonly exitCode: ExitCode;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly place: ErrorPlace = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad invocation: unknown flag, conflicting options. Exit 2. */
export class UsageError extends Sqlite2pgError {
  readonly exitCode = EXIT.badInput;
  readonly code = 'usage';
}

/** The mapping file is invalid or does not fit the source files. Exit 2. */
export class MappingError extends Sqlite2pgError {
  readonly exitCode = EXIT.badInput;
  readonly code = 'mapping';
}

/** A source file is missing, unreadable, corrupt or not a SQLite database. Exit 2. */
export class SourceReadError extends Sqlite2pgError {
  readonly exitCode = EXIT.badInput;
  readonly code = 'source';
}

/** The target refuses the run as asked (fresh mode onto tables holding rows, a concurrent run). Exit 2. */
export class TargetRefusedError extends Sqlite2pgError {
  readonly exitCode = EXIT.badInput;
  readonly code = 'target_refused';
}

/** The target could not be reached or failed mid-run. Exit 3; a later --mode resume carries on. */
export class TargetError extends Sqlite2pgError {
  readonly exitCode = EXIT.failed;
  readonly code = 'target';
}

/** More rejects than --max-rejects allows. Exit 1. */
export class TooManyRejectsError extends Sqlite2pgError {
  readonly exitCode = EXIT.differences;
  readonly code = 'max_rejects';
}

/** Turns anything thrown into an exit code: our errors carry theirs, anything else is a runtime fault (3). */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof Sqlite2pgError ? err.exitCode : EXIT.failed;
}

/** "file knowledge_retention.db, table knowledge_items, row 12, column metadata" */
export function describePlace(place: ErrorPlace): string {
  const parts: string[] = [];
  if (place.file) parts.push(`file ${place.file}`);
  if (place.table) parts.push(`table ${place.table}`);
  if (place.row) parts.push(`row ${place.row}`);
  if (place.column) parts.push(`column ${place.column}`);
  return parts.join(', ');
}
