import type { z } from 'zod';
import type { Store } from './client.ts';

/** Per-query ClickHouse settings; values are numbers or plain tokens, never user text. */
export type QuerySettings = Record<string, number | boolean | string>;

const SETTING_NAME = /^[a-z_][a-z0-9_]*$/;
const SETTING_TOKEN = /^[A-Za-z0-9_.:-]*$/;

/**
 * Appends a `SETTINGS` clause. Settings go into the statement rather than `clickhouse_settings`
 * because the embedded engine turns the latter into session-wide `SET`s that outlive the query.
 */
export function withSettings(sql: string, settings: QuerySettings | undefined): string {
  if (!settings || Object.keys(settings).length === 0) return sql;
  const parts = Object.entries(settings).map(([name, value]) => {
    if (!SETTING_NAME.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`setting ${name} must be finite`);
      return `${name} = ${value}`;
    }
    if (typeof value === 'boolean') return `${name} = ${value ? 1 : 0}`;
    if (!SETTING_TOKEN.test(value)) throw new Error(`setting ${name} has an unsafe value`);
    return `${name} = '${value}'`;
  });
  return `${sql.trimEnd()}\nSETTINGS ${parts.join(', ')}`;
}

/** Options of {@link queryRows}. */
export type QueryRowsOptions<S extends z.ZodType> = {
  query: string;
  /** Bound parameters: referenced in the SQL as `{name: Type}`. */
  params?: Record<string, unknown>;
  settings?: QuerySettings;
  /** Row schema: UInt64 and Decimal arrive as strings, so rows are parsed, never cast. */
  schema: S;
};

/** Runs a SELECT and returns its rows parsed by the given zod schema. */
export async function queryRows<S extends z.ZodType>(
  store: Store,
  options: QueryRowsOptions<S>,
): Promise<z.infer<S>[]> {
  const result = await store.client.query({
    query: withSettings(options.query, options.settings),
    query_params: options.params,
    format: 'JSONEachRow',
  });
  const rows = await result.json<unknown>();
  return rows.map((row) => options.schema.parse(row));
}

/** Runs a statement that returns no rows (DDL, ALTER), with bound parameters. */
export async function runCommand(
  store: Store,
  query: string,
  params?: Record<string, unknown>,
): Promise<void> {
  await store.client.command({ query, query_params: params });
}

/**
 * Inserts rows. Rows with the same keys (the store's own converters make them so) go as
 * JSONCompactEachRow: a JSON array per row instead of an object, so neither JSON.stringify nor
 * the engine's parser handles the forty column names again on every row.
 */
export async function insertRows(
  store: Store,
  table: string,
  rows: readonly Record<string, unknown>[],
  settings?: QuerySettings,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const compact = jsonCompactEachRow(rows, columns);
  if (compact) await store.insertBody(table, compact, settings, columns);
  else await store.insertBody(table, jsonEachRow(rows), settings);
}

/**
 * Rows as a JSONCompactEachRow body (one JSON array per line, values in `columns` order), or
 * undefined when a row's keys differ from `columns` (then JSONEachRow says what each value is).
 */
export function jsonCompactEachRow(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): Buffer | undefined {
  let text = '';
  const values: unknown[] = new Array(columns.length);
  for (const row of rows) {
    let keys = 0;
    for (const _ in row) keys++;
    if (keys !== columns.length) return undefined;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      if (!(column in row)) return undefined;
      // JSON has no undefined: JSONEachRow leaves such a key out (the column's default).
      const value = row[column];
      if (value === undefined) return undefined;
      values[i] = value;
    }
    text += `${JSON.stringify(values)}\n`;
  }
  return Buffer.from(text);
}

/** Rows as a JSONEachRow body: one JSON object per line. */
export function jsonEachRow(rows: readonly Record<string, unknown>[]): Buffer {
  let text = '';
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  return Buffer.from(text);
}
