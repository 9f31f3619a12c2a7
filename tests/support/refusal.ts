// What validateMapping says when it refuses a mapping: the message of its MappingError (a test fails if it accepts).
import { expect } from 'vitest';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { MappingError } from '../../src/model/errors.js';

export function refusal(raw: unknown): string {
  try {
    validateMapping(raw, 'm.json');
  } catch (err) {
    expect(err).toBeInstanceOf(MappingError);
    return (err as Error).message;
  }
  throw new Error('mapping was accepted');
}
