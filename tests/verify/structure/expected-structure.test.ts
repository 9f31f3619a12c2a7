// The structure verify expects is the one src/load/ddl.ts builds from the plan.
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../../src/mapping/load-mapping.js';
import { planFromMapping } from '../../../src/plan/build-plan.js';
import { createTableSql, indexSql, primaryKeySql } from '../../../src/load/ddl.js';
import { CATALOG_TYPE, expectedStructure } from '../../../src/verify/structure/expected-structure.js';

const plan = planFromMapping(loadMapping(undefined), '/nowhere');

describe('expectedStructure', () => {
  it.each(plan.tables.map((t) => [t.targetName, t] as const))(
    '%s: the columns, key and indexes the DDL creates',
    (_name, t) => {
      const want = expectedStructure(t);
      const ddl = createTableSql(t);
      for (const c of want.columns) expect(ddl).toContain(`"${c.name}"`);
      expect(want.columns.map((c) => c.name)).toEqual(t.columns.map((c) => c.name));
      for (const ix of want.indexes) expect(indexSql(t).join('\n')).toContain(`"${ix.name}"`);
      if (want.primaryKey.length)
        expect(primaryKeySql(t)).toContain(`PRIMARY KEY (${want.primaryKey.map((k) => `"${k}"`).join(', ')})`);
      for (const c of want.columns.filter((x) => x.default === 'serial')) expect(want.serialColumns).toContain(c.name);
    },
  );

  it('spells types as format_type() does', () => {
    const items = expectedStructure(plan.tables.find((t) => t.targetName === 'knowledge.knowledge_items')!);
    expect(items.columns.find((c) => c.name === 'created_at')).toEqual({
      name: 'created_at',
      type: 'timestamp without time zone',
      notNull: false,
      default: 'some',
    });
    expect(items.columns.find((c) => c.name === 'id')).toEqual({
      name: 'id',
      type: 'bigint',
      notNull: true,
      default: 'serial',
    });
    expect(CATALOG_TYPE.timestamptz).toBe('timestamp with time zone');
  });
});
