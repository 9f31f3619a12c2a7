// Target names under the identifier policies, PostgreSQL's 63-byte limit, de-duplication, schema names.
import { describe, expect, it } from 'vitest';
import {
  NameRegistry,
  PG_MAX_TABLE_BYTES,
  fitIdentifier,
  schemaForFile,
  snakeCase,
  targetName,
} from '../../src/init/identifiers.js';
import { globToRegExp, tableFilter } from '../../src/mapping/table-filter.js';

describe('identifier policies', () => {
  it.each([
    ['Order Items', 'Order Items', 'order items', 'order_items'],
    ['OrderItems', 'OrderItems', 'orderitems', 'order_items'],
    ['HTTPServer2Log', 'HTTPServer2Log', 'httpserver2log', 'http_server2_log'],
    ['user-id', 'user-id', 'user-id', 'user_id'],
    ['  Größe (cm) ', '  Größe (cm) ', '  größe (cm) ', 'größe_cm'],
    ['already_snake', 'already_snake', 'already_snake', 'already_snake'],
  ])('%j → keep %j, lower %j, snake %j', (source, keep, lower, snake) => {
    expect(targetName(source, 'keep', 'x')).toBe(keep);
    expect(targetName(source, 'lower', 'x')).toBe(lower);
    expect(targetName(source, 'snake', 'x')).toBe(snake);
  });

  it('never writes an empty name', () => {
    expect(targetName('???', 'snake', 'column_3')).toBe('column_3');
    expect(snakeCase('---')).toBe('');
  });

  it('fits names into 63 bytes, keeping long names that share a beginning apart', () => {
    const a = 'a'.repeat(70) + '1';
    const b = 'a'.repeat(70) + '2';
    expect(Buffer.byteLength(fitIdentifier(a))).toBeLessThanOrEqual(63);
    expect(fitIdentifier(a)).not.toBe(fitIdentifier(b));
    expect(Buffer.byteLength(fitIdentifier('é'.repeat(40)))).toBeLessThanOrEqual(63);
    expect(fitIdentifier('short')).toBe('short');
    expect(Buffer.byteLength(targetName('t'.repeat(80), 'keep', 'x', PG_MAX_TABLE_BYTES))).toBe(58);
  });

  it('de-duplicates within a namespace, exactly (quoted names are case-sensitive)', () => {
    const r = new NameRegistry(['taken']);
    expect([r.take('taken'), r.take('a'), r.take('a'), r.take('A'), r.take('a')]).toEqual([
      'taken_2',
      'a',
      'a_2',
      'A',
      'a_3',
    ]);
  });

  it('derives a schema from the file name, away from reserved names', () => {
    expect(schemaForFile('/data/Legacy Shop.db')).toBe('legacy_shop');
    expect(schemaForFile('knowledge_retention.db')).toBe('knowledge_retention');
    expect(schemaForFile('2024-archive.sqlite3')).toBe('db_2024_archive');
    expect(schemaForFile('pg_stuff.db')).toBe('pg_stuff_data');
    expect(schemaForFile('public.db')).toBe('public_data');
    expect(schemaForFile('sqlite2pg.db')).toBe('sqlite2pg_data');
    expect(schemaForFile('tiles/plain_1.mbtiles')).toBe('plain_1');
    expect(schemaForFile('collection.anki2')).toBe('collection');
    expect(schemaForFile('no_extension')).toBe('no_extension');
    expect(schemaForFile('.db')).toBe('sqlite');
  });
});

describe('include/exclude patterns', () => {
  it('reads globs case-insensitively, anchored', () => {
    expect(globToRegExp('tmp_*').test('TMP_orders')).toBe(true);
    expect(globToRegExp('tmp_*').test('x_tmp_orders')).toBe(false);
    expect(globToRegExp('log_20??').test('log_2024')).toBe(true);
    expect(globToRegExp('t[ab]').test('tb')).toBe(true);
    expect(globToRegExp('t[!ab]').test('tb')).toBe(false);
    expect(globToRegExp('a.b (x)').test('a.b (x)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('takes tables matching an include pattern (all when none) and no exclude pattern', () => {
    const take = tableFilter(['order*', 'customers'], ['*_backup']);
    expect(['orders', 'Order Items', 'customers', 'orders_backup', 'logs'].filter(take)).toEqual([
      'orders',
      'Order Items',
      'customers',
    ]);
    expect(['a', 'b_old'].filter(tableFilter(undefined, ['*_old']))).toEqual(['a']);
  });
});
