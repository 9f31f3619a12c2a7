// pino JSON logs on stderr: stdout stays for the report (`--json` prints nothing else there).
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { app: 'sqlite2pg' } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
