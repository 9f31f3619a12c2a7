// The type a column's mix of storage classes calls for, used by type-choice.ts where the declared type gives
// the values no meaning of its own (its candidates end in text or bytea) and as the last resort when no
// candidate takes every value — so init rejects a row only when no PostgreSQL type can hold its value.
import type { TargetType } from '../model/mapping-types.js';
import type { ColumnProfile } from '../extract/value-profile.js';
import { valueCount } from '../extract/value-profile.js';

/** Types that hold any value as text or bytes: a declared type ending there says nothing about the values. */
export const CATCH_ALL: ReadonlySet<TargetType> = new Set<TargetType>(['text', 'bytea']);

/** The candidates the storage-class rule may pick: each column is probed for all of them. */
export const MIX_TYPES: readonly TargetType[] = ['bigint', 'double precision', 'numeric', 'text', 'bytea'];

/** A type from the storage classes, and why. */
export interface MixChoice {
  type: TargetType;
  why: string;
}

/**
 * The type keeping every stored value exactly, by the mix of storage classes (NULL aside), when its data
 * rule accepts them all (`refused(type)` = 0); null when none does:
 * INTEGER only → bigint; numbers only → double precision, else numeric; any BLOB → bytea (text as its
 * UTF-8 bytes, numbers as their text's bytes); TEXT with numbers → text; otherwise bytea as the last resort.
 */
export function typeForMix(profile: ColumnProfile, refused: (type: TargetType) => number): MixChoice | null {
  const { integer, real, text, blob } = profile.classes;
  const n = valueCount(profile);
  const fits = (type: TargetType) => refused(type) === 0;
  if (n === 0) return null;
  if (integer === n && fits('bigint'))
    return {
      type: 'bigint',
      why: 'every stored value is an INTEGER: an integer type, whatever the declared type, so values keep their order and arithmetic',
    };
  if (integer + real === n) {
    if (fits('double precision'))
      return { type: 'double precision', why: 'every stored value is a number a double holds exactly' };
    if (fits('numeric'))
      return { type: 'numeric', why: 'every stored value is a number; numeric holds them all exactly' };
  }
  if (blob > 0 && fits('bytea'))
    return {
      type: 'bytea',
      why: 'the column mixes BLOBs with other storage classes: bytea holds them all (TEXT as its UTF-8 bytes, numbers as the bytes of their text)',
    };
  if (text > 0 && integer + real > 0 && fits('text'))
    return {
      type: 'text',
      why: 'the column mixes TEXT and numbers: text holds them all (numbers as their decimal text)',
    };
  if (fits('bytea')) return { type: 'bytea', why: 'no other type takes every stored value; bytea holds them as bytes' };
  return null;
}
