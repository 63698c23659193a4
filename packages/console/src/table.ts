/**
 * @module
 * Tables of records as HTML: the same rows the CLI prints for a read (`print.tables`), so a page
 * built from them shows what `tokenwatch <verb>` shows.
 */
import type { ReadTable } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { localTime } from './format.ts';

type Cell =
  | string
  | number
  | boolean
  | null
  | undefined
  | HtmlEscapedString
  | Promise<HtmlEscapedString>;

/** Cells holding a number (plain, formatted, or an amount from `usd()`), right-aligned. */
const isNumeric = (value: unknown) =>
  typeof value === 'number' ||
  (typeof value === 'string' && /^[-+]?\$?[\d,]+(\.\d+)?[%×]?$/.test(value)) ||
  (typeof value === 'object' && value !== null && String(value).startsWith('<span class="num"'));

/** An instant as the reads print it (ISO, UTC). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** A cell's content: instants in the configured zone (the exact instant kept in `datetime`). */
function cellContent(value: Cell, timezone: string | undefined) {
  if (timezone && typeof value === 'string' && INSTANT.test(value))
    return html`<time datetime="${value}">${localTime(new Date(value), timezone)}</time>`;
  return value ?? '';
}

/** Options of {@link recordsTable}. */
export type TableOptions = {
  caption?: string;
  empty?: string;
  testId?: string;
  /** Shows instants in this zone (the configured one); without it they stay as the read gives them. */
  timezone?: string;
};

/** One table: a header from the first record's keys, one row per record. */
export function recordsTable(
  records: readonly Record<string, Cell | unknown>[],
  options: TableOptions = {},
) {
  if (records.length === 0)
    return html`<p class="empty" data-testid="${options.testId}">${options.empty ?? 'No rows.'}</p>`;
  const columns = Object.keys(records[0]!);
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${options.caption ?? 'table'}">
<table data-testid="${options.testId}">${options.caption ? html`<caption>${options.caption}</caption>` : ''}
<thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>${records.map(
    (r) =>
      html`<tr>${columns.map((c) => {
        const value = r[c] as Cell;
        return html`<td class="${isNumeric(value) ? 'n' : ''}" data-col="${c}">${cellContent(value, options.timezone)}</td>`;
      })}</tr>`,
  )}</tbody></table></div>`;
}

/**
 * The tables a read prints, each with its "N of M rows" note when the row limit cut it; instants
 * in `timezone` (the configured zone).
 */
export function readTables(
  tables: readonly ReadTable[],
  timezone: string,
  captions: readonly string[] = [],
) {
  return tables.map(
    (t, i) =>
      html`${recordsTable(t.records, { caption: captions[i], empty: t.empty, testId: `table-${i}`, timezone })}${
        t.truncated
          ? html`<p class="note">Showing ${t.truncated.shown} of ${t.truncated.total} rows.</p>`
          : ''
      }`,
  );
}
