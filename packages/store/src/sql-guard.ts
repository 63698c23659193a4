import { ReadOnlyViolationError } from './errors.ts';

/** Statement kinds that only read. */
const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS']);

/** A statement reduced to what decides its kind: keywords and punctuation, no literals or comments. */
function skeleton(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      i = skipTo(sql, i, '\n');
    } else if (ch === '#' && (i === 0 || /\s/.test(sql[i - 1]!))) {
      i = skipTo(sql, i, '\n');
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new ReadOnlyViolationError('Unterminated /* comment');
      i = end + 2;
      out += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
      // Quoted identifiers and strings become a neutral token so their content cannot look like SQL.
      out += ' x ';
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function skipTo(sql: string, from: number, terminator: string): number {
  const end = sql.indexOf(terminator, from);
  return end < 0 ? sql.length : end + 1;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  throw new ReadOnlyViolationError(`Unterminated ${quote} quote`);
}

/** How `tokenwatch sql` will run a statement. */
export type StatementKind = { kind: 'read' } | { kind: 'write'; keyword: string };

/**
 * Classifies one SQL statement. Refuses several statements at once (the embedded engine would run
 * them all), `INTO OUTFILE` (it writes files) and a `FORMAT` clause (output format is --format's job).
 */
export function classifyStatement(sql: string): StatementKind {
  const bare = skeleton(sql).trim().replace(/;\s*$/, '');
  if (bare.length === 0) throw new ReadOnlyViolationError('Empty statement');
  if (bare.includes(';')) {
    throw new ReadOnlyViolationError('One statement at a time: remove the ";" between statements');
  }
  const words = bare.toUpperCase().match(/[A-Z_][A-Z0-9_]*/g) ?? [];
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === 'INTO' && words[i + 1] === 'OUTFILE') {
      throw new ReadOnlyViolationError(
        'INTO OUTFILE is not allowed: use --format and redirect the output',
      );
    }
  }
  if (/\bFORMAT\s+[A-Za-z]\w*\s*$/i.test(bare)) {
    throw new ReadOnlyViolationError(
      'Remove the FORMAT clause: choose the output with --format table|json|csv',
    );
  }
  const first = words[0] ?? '';
  return READ_KEYWORDS.has(first) ? { kind: 'read' } : { kind: 'write', keyword: first };
}

/** Throws unless the statement only reads; `allowWrite` lifts the restriction. */
export function assertStatementAllowed(sql: string, allowWrite: boolean): StatementKind {
  const kind = classifyStatement(sql);
  if (kind.kind === 'write' && !allowWrite) {
    throw new ReadOnlyViolationError(
      `Refusing ${kind.keyword || 'this statement'}: \`tokenwatch sql\` is read-only. ` +
        'Pass --write to change data or schema.',
    );
  }
  return kind;
}
