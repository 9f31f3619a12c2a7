// init's translation of SQLite index SQL for PostgreSQL: names become the target's quoted names, literals
// are quoted again, renamed functions renamed, and what has no PostgreSQL counterpart refused with why.
import { describe, expect, it } from 'vitest';
import { indexParts, splitOrdering, translateExpression, UntranslatableSql } from '../../src/init/sqlite-expression.js';
import { quoteLiteral } from '../../src/pg/quote.js';

const columns = new Map([
  ['email', 'email'],
  ['name', 'full name'],
  ['score', 'score'],
]);

function refusal(sql: string): string {
  try {
    translateExpression(sql, columns);
  } catch (err) {
    expect(err).toBeInstanceOf(UntranslatableSql);
    return (err as Error).message;
  }
  throw new Error(`translated: ${sql}`);
}

describe('translateExpression', () => {
  it('quotes column names as the target spells them, whatever the source quoting and case', () => {
    expect(
      translateExpression(`EMAIL != '' AND "Name" IS NOT NULL AND [score] > 1.5 and \`email\` == 'x'`, columns),
    ).toBe(
      `"email" != '' AND "full name" IS NOT NULL AND "score" > 1.5 AND "email" = 'x'`
        .replace(/'x'/, quoteLiteral('x'))
        .replace("''", quoteLiteral('')),
    );
  });

  it('quotes every literal again through the one quoting function (quotes, backslashes, blobs)', () => {
    // SQLite's literal 'a\'' ); DROP TABLE t; --' is one string: a backslash is no escape there.
    expect(translateExpression(`email = 'a\\'' ); DROP TABLE t; --'`, columns)).toBe(
      `"email" = ${quoteLiteral("a\\' ); DROP TABLE t; --")}`,
    );
    expect(translateExpression(`email = x'DEAD'`, columns)).toBe(`"email" = ${quoteLiteral('\\xDEAD')}::bytea`);
    expect(translateExpression('score = 0x10', columns)).toBe('"score" = 16');
  });

  it('renames ifnull and instr, keeps the functions that mean the same, refuses others', () => {
    expect(translateExpression('ifnull(score, 0) + length(lower(name))', columns)).toBe(
      'coalesce("score", 0) + length(lower("full name"))',
    );
    expect(translateExpression("instr(email, '@')", columns)).toBe(`strpos("email", ${quoteLiteral('@')})`);
    expect(refusal('datetime(score)')).toMatch(/function datetime\(\)/);
  });

  it('refuses what has no PostgreSQL counterpart of the same meaning, and names that are not columns', () => {
    expect(refusal('name COLLATE NOCASE')).toMatch(/COLLATE/);
    expect(refusal("name GLOB 'a*'")).toMatch(/GLOB/);
    expect(refusal('email = ?')).toMatch(/parameter/);
    expect(refusal('nosuch > 1')).toMatch(/"nosuch", which is not a column/);
    expect(refusal("email ->> '$.a'")).toMatch(/operator/);
    expect(refusal('email IN (SELECT 1)')).toMatch(/subquery/);
  });
});

describe('indexParts', () => {
  it('cuts the key list at top-level commas and keeps the WHERE clause', () => {
    expect(
      indexParts(`CREATE UNIQUE INDEX "a,b" ON t (lower(name), substr(email, 1, 3) DESC, "x,y") WHERE email != ')'`),
    ).toEqual({
      elements: ['lower(name)', 'substr(email, 1, 3) DESC', '"x,y"'],
      where: "email != ')'",
    });
    expect(indexParts('CREATE INDEX i ON t(a)')).toEqual({ elements: ['a'], where: null });
  });

  it('keeps ASC/DESC apart for PostgreSQL', () => {
    expect(splitOrdering('lower(name) desc')).toEqual({ expression: 'lower(name)', ordering: ' DESC' });
    expect(splitOrdering('a')).toEqual({ expression: 'a', ordering: '' });
  });
});
