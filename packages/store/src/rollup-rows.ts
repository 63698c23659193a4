import { STORED_DIMENSIONS } from '@tokenwatch/schema';

/** Key columns of `llm_usage_1m` copied from a call row (the minute and the model are computed). */
const KEY_COLUMNS = ['tenant', ...STORED_DIMENSIONS.filter((d) => d.rollup).map((d) => d.column)];

const TOKEN_COLUMNS = [
  'input_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
] as const;

/** The cost columns of `llm_calls` and `llm_usage_1m` (exact decimals; `total_cost` last). */
export const COST_COLUMNS = [
  'input_cost',
  'cache_read_cost',
  'cache_write_cost',
  'output_cost',
  'total_cost',
] as const;

/** Cost columns hold 12 decimal places (Decimal(18, 12) per call, Decimal(38, 12) summed). */
const SCALE = 12;

/**
 * Adds a decimal string to the exact sum kept in `whole[i]` and `fraction[i]` (units of 10^-12):
 * whole parts and 12-digit fractions are added apart as numbers (a fraction is below 10^12, so
 * millions of them stay exact below 2^53). One pass over the characters, no regex, no substring,
 * no bigint: this runs five times per call stored. Digits past the 12th are cut, as the
 * Decimal(18, 12) column does.
 */
function addDecimal(whole: number[], fraction: number[], i: number, value: unknown): void {
  if (value === null || value === undefined) return;
  const text = typeof value === 'string' ? value : String(value);
  let at = 0;
  const negative = text.charCodeAt(0) === 45; // '-'
  if (negative) at++;
  const start = at;
  let w = 0;
  let f = 0;
  let places = -1; // -1 until the point is seen
  for (; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 46 && places < 0 && at > start) {
      places = 0;
      continue;
    }
    const digit = c - 48;
    if (digit < 0 || digit > 9)
      throw new RangeError(`not a decimal cost: ${JSON.stringify(value)}`);
    if (places < 0) w = w * 10 + digit;
    else if (places < SCALE) {
      f = f * 10 + digit;
      places++;
    }
  }
  if (at === start || places === 0)
    throw new RangeError(`not a decimal cost: ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(w)) throw new RangeError(`cost out of range: ${text}`);
  if (places > 0) f *= 10 ** (SCALE - places);
  whole[i]! += negative ? -w : w;
  fraction[i]! += negative ? -f : f;
  // Keep the parts exact: move whole units out of the fraction before it grows past 2^53.
  if (fraction[i]! > 1e15 || fraction[i]! < -1e15) {
    const units = Math.trunc(fraction[i]! / 1e12);
    whole[i]! += units;
    fraction[i]! -= units * 1e12;
  }
  if (!Number.isSafeInteger(whole[i]!)) throw new RangeError('cost sum out of range');
}

/** An exact sum as ClickHouse prints a Decimal(38, 12): 12 places. */
function formatDecimal(whole: number, fraction: number): string {
  let w = whole + Math.trunc(fraction / 1e12);
  let f = fraction % 1e12;
  // Give both parts one sign, so the text is one number.
  if (w > 0 && f < 0) {
    w -= 1;
    f += 1e12;
  } else if (w < 0 && f > 0) {
    w += 1;
    f -= 1e12;
  }
  const negative = w < 0 || f < 0;
  const text = `${Math.abs(w)}.${String(Math.abs(f)).padStart(SCALE, '0')}`;
  return negative ? `-${text}` : text;
}

type Sums = {
  /** The output row: key columns set once, sums written at the end. */
  row: Record<string, unknown>;
  calls: number;
  failed: number;
  unpriced: number;
  usageMissing: number;
  tokens: number[];
  whole: number[];
  fraction: number[];
};

/**
 * The `llm_usage_1m` rows for `llm_calls` rows about to be inserted (as `llmCallToRow` makes
 * them): one row per tenant, minute, rollup dimension and model, with the calls counted and the
 * tokens and costs summed exactly. The writer inserts them itself, under its own deduplication
 * token, rather than through a materialized view: ClickHouse gives a view's block a different
 * deduplication id when the source block is a replay after a restart, so a view counted a
 * replayed batch twice; a direct insert is deduplicated like any other.
 */
export function rollupRows(calls: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const groups = new Map<string, Sums>();
  for (const call of calls) {
    if (Number(call.revision ?? 0) !== 0) continue; // a repriced version carries its own delta
    const minute = `${String(call.start_time).slice(0, 16)}:00`;
    const model = String(call.response_model || call.request_model || '');
    let id = `${minute}\u0000${model}`;
    for (const column of KEY_COLUMNS) id += `\u0000${call[column] ?? ''}`;
    let sums = groups.get(id);
    if (!sums) {
      const row: Record<string, unknown> = { minute, model };
      for (const column of KEY_COLUMNS) row[column] = String(call[column] ?? '');
      sums = {
        row,
        calls: 0,
        failed: 0,
        unpriced: 0,
        usageMissing: 0,
        tokens: [0, 0, 0, 0, 0],
        whole: [0, 0, 0, 0, 0],
        fraction: [0, 0, 0, 0, 0],
      };
      groups.set(id, sums);
    }
    const usageMissing = call.usage_missing === true;
    sums.calls++;
    if (call.status === 'error') sums.failed++;
    if ((call.total_cost === null || call.total_cost === undefined) && !usageMissing)
      sums.unpriced++;
    if (usageMissing) sums.usageMissing++;
    for (let i = 0; i < TOKEN_COLUMNS.length; i++)
      sums.tokens[i]! += Number(call[TOKEN_COLUMNS[i]!] ?? 0);
    for (let i = 0; i < COST_COLUMNS.length; i++)
      addDecimal(sums.whole, sums.fraction, i, call[COST_COLUMNS[i]!]);
  }
  const rows: Record<string, unknown>[] = [];
  for (const sums of groups.values()) {
    const { row } = sums;
    row.calls = sums.calls;
    row.failed_calls = sums.failed;
    row.unpriced_calls = sums.unpriced;
    row.usage_missing_calls = sums.usageMissing;
    for (let i = 0; i < TOKEN_COLUMNS.length; i++) row[TOKEN_COLUMNS[i]!] = sums.tokens[i];
    for (let i = 0; i < COST_COLUMNS.length; i++)
      row[COST_COLUMNS[i]!] = formatDecimal(sums.whole[i]!, sums.fraction[i]!);
    rows.push(row);
  }
  return rows;
}

/**
 * The rollup rows of the `llm_calls` rows matching `where` (SQL; values as bound parameters),
 * computed by ClickHouse: the same sums as {@link rollupRows}.
 */
export function rollupSelectSql(where: string): string {
  const keys = KEY_COLUMNS.slice(1);
  return `SELECT tenant, toStartOfMinute(start_time) AS minute, ${keys.join(', ')},
    if(response_model != '', response_model, request_model) AS model,
    count() AS calls,
    countIf(c.status = 'error') AS failed_calls,
    countIf(c.total_cost IS NULL AND NOT c.usage_missing) AS unpriced_calls,
    countIf(c.usage_missing) AS usage_missing_calls,
    ${TOKEN_COLUMNS.map((col) => `sum(c.${col}) AS ${col}`).join(', ')},
    ${COST_COLUMNS.map((col) => `sum(ifNull(c.${col}, 0)) AS ${col}`).join(', ')}
  FROM llm_calls AS c
  WHERE c.revision = 0 AND (${where})
  GROUP BY tenant, minute, ${keys.join(', ')}, model`;
}

/**
 * Fills the rollup from calls that were inserted into `llm_calls` by SQL rather than by
 * `insertLlmCalls` (benchmark data generated in the engine, an import): `INSERT … SELECT` of
 * {@link rollupSelectSql}, naming the columns since an INSERT … SELECT matches them by position.
 */
export function rollupInsertSql(where: string): string {
  const columns = [
    'tenant',
    'minute',
    ...KEY_COLUMNS.slice(1),
    'model',
    'calls',
    'failed_calls',
    'unpriced_calls',
    'usage_missing_calls',
    ...TOKEN_COLUMNS,
    ...COST_COLUMNS,
  ];
  return `INSERT INTO llm_usage_1m (${columns.join(', ')}) ${rollupSelectSql(where)}`;
}
