import { describe, expect, it } from 'vitest';
import { ReadOnlyViolationError } from './errors.ts';
import { assertStatementAllowed, classifyStatement } from './sql-guard.ts';

describe('classifyStatement', () => {
  it.each([
    'SELECT count() FROM llm_calls',
    '  with x AS (SELECT 1) SELECT * FROM x',
    '(SELECT 1) UNION ALL (SELECT 2)',
    'SHOW TABLES',
    'describe llm_calls',
    'DESC tasks',
    'EXPLAIN SELECT 1',
    'EXISTS TABLE llm_calls',
    '-- leading comment\nSELECT 1;',
    "/* block */ SELECT 'DROP TABLE x; INSERT INTO y'",
    'SELECT "weird;name" FROM `t;t`',
  ])('reads: %s', (sql) => {
    expect(classifyStatement(sql)).toEqual({ kind: 'read' });
  });

  it.each([
    ['INSERT INTO llm_calls VALUES (1)', 'INSERT'],
    ['drop table llm_calls', 'DROP'],
    ['ALTER TABLE llm_calls DELETE WHERE 1', 'ALTER'],
    ['TRUNCATE llm_calls', 'TRUNCATE'],
    ['OPTIMIZE TABLE llm_calls FINAL', 'OPTIMIZE'],
    ['SYSTEM STOP MERGES', 'SYSTEM'],
    ['CREATE TABLE t (x UInt8) ENGINE = Memory', 'CREATE'],
    ['-- SELECT\nDELETE FROM llm_calls WHERE 1', 'DELETE'],
    ['SET readonly = 0', 'SET'],
  ])('writes: %s', (sql, keyword) => {
    expect(classifyStatement(sql)).toEqual({ kind: 'write', keyword });
  });

  it('refuses several statements, even when the first one reads', () => {
    expect(() => classifyStatement('SELECT 1; DROP TABLE llm_calls')).toThrow(
      /One statement at a time/,
    );
    expect(() => classifyStatement('SELECT 1;\n;')).toThrow(ReadOnlyViolationError);
  });

  it('refuses INTO OUTFILE and FORMAT clauses', () => {
    expect(() => classifyStatement("SELECT 1 INTO OUTFILE '/tmp/x'")).toThrow(/INTO OUTFILE/);
    expect(() => classifyStatement('SELECT 1 FORMAT CSV')).toThrow(/--format/);
  });

  it('refuses unterminated quotes and comments', () => {
    expect(() => classifyStatement("SELECT 'open")).toThrow(/Unterminated/);
    expect(() => classifyStatement('SELECT /* open')).toThrow(/Unterminated/);
  });
});

describe('assertStatementAllowed', () => {
  it('refuses writes unless allowed', () => {
    expect(() => assertStatementAllowed('DROP TABLE llm_calls', false)).toThrow(
      /Refusing DROP.*--write/,
    );
    expect(assertStatementAllowed('DROP TABLE llm_calls', true)).toEqual({
      kind: 'write',
      keyword: 'DROP',
    });
  });
});
