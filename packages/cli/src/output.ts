import type { ReadPrint } from '@tokenwatch/analyzer';
import type { QueryResult, ResultColumn } from '@tokenwatch/store';

/** Output formats every data-printing command accepts. */
export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

const SMALL_NUMBER = /^(Nullable\()?(LowCardinality\()?(U?Int(8|16|32)|Float(32|64))\)?\)?$/;
const BOOL = /^(Nullable\()?Bool\)?$/;

/**
 * Converts one ClickHouse value for JSON. Types that fit a double exactly become numbers;
 * 64-bit and wider integers and decimals stay strings so no digit is lost.
 */
function jsonValue(value: string | null, column: ResultColumn): unknown {
  if (value === null) return null;
  if (BOOL.test(column.type)) return value === 'true' || value === '1';
  if (SMALL_NUMBER.test(column.type)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

/** Rows as objects keyed by column name, with JSON-friendly values. */
export function toObjects(result: QueryResult): Record<string, unknown>[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((col, i) => [col.name, jsonValue(row[i] ?? null, col)])),
  );
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV with a header line; NULL is an empty field. */
export function toCsv(result: QueryResult): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows)
    lines.push(row.map((v) => (v === null ? '' : csvField(v))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** What a table with nothing in it prints, so an empty answer is not mistaken for a hang or a crash. */
export const NO_ROWS = '(no rows)\n';

/** A plain aligned text table for people; numbers are right-aligned. */
export function toTable(result: QueryResult): string {
  if (result.rows.length === 0) return NO_ROWS;
  const cells = result.rows.map((row) =>
    row.map((v) => (v === null ? 'NULL' : v.replace(/\n/g, '\\n'))),
  );
  const widths = result.columns.map((col, i) =>
    Math.max(col.name.length, ...cells.map((row) => row[i]!.length)),
  );
  const numeric = result.columns.map(
    (col) => /Int|Float|Decimal/.test(col.type) && !/Array|Map|Tuple/.test(col.type),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    line(result.columns.map((c) => c.name)),
    widths.map((w) => '-'.repeat(w)).join('  '),
  ];
  for (const row of cells) out.push(line(row));
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** Renders a query result in the chosen format. */
export function renderResult(result: QueryResult, format: Format): string {
  if (format === 'json') return `${JSON.stringify(toObjects(result), null, 2)}\n`;
  if (format === 'csv') return toCsv(result);
  return toTable(result);
}

/** Renders a list of records (what non-SQL commands print) in the chosen format. */
export function renderRecords(records: Record<string, unknown>[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(records, null, 2)}\n`;
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const result: QueryResult = {
    columns: names.map((name) => ({
      name,
      type: records.every((r) => typeof r[name] === 'number') ? 'Float64' : 'String',
    })),
    rows: records.map((r) =>
      names.map((n) => (r[n] === undefined || r[n] === null ? null : String(r[n]))),
    ),
  };
  return format === 'csv' ? toCsv(result) : toTable(result);
}

/**
 * Prints a read's result: `json` as the read says, tables one after the other (a blank line
 * between them in a text table). A table the row limit cut ends with how many rows it left out;
 * in CSV and JSON, which scripts read, that is said on standard error instead.
 */
export function renderRead<R>(
  print: ReadPrint<R>,
  result: R,
  format: Format,
): { stdout: string; stderr: string } {
  const tables = print.tables(result);
  const left = tables.flatMap((t) => (t.truncated ? [t.truncated.total - t.truncated.shown] : []));
  const more = (n: number) => `… ${n} more row${n === 1 ? '' : 's'}; --limit to see them`;
  if (format === 'json') {
    return {
      stdout: `${JSON.stringify(print.json ? print.json(result) : result, null, 2)}\n`,
      stderr: left.map((n) => `tokenwatch: ${more(n)}\n`).join(''),
    };
  }
  const text = tables.map((t) => {
    if (format === 'table' && t.records.length === 0 && t.empty !== undefined)
      return `${t.empty}\n`;
    const rendered = renderRecords(t.records, format);
    if (!t.truncated || format !== 'table') return rendered;
    return `${rendered}(${more(t.truncated.total - t.truncated.shown)})\n`;
  });
  return {
    stdout: text.join(format === 'table' ? '\n' : ''),
    stderr: format === 'csv' ? left.map((n) => `tokenwatch: ${more(n)}\n`).join('') : '',
  };
}
