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

const COST_COLUMNS = [
  'input_cost',
  'cache_read_cost',
  'cache_write_cost',
  'output_cost',
  'total_cost',
] as const;

/** Cost columns hold 12 decimal places (Decimal(18, 12) per call, Decimal(38, 12) summed). */
const SCALE = 12;

const UNIT = 10n ** BigInt(SCALE);

/**
 * A sum of decimal strings, exact: whole parts and 12-digit fractions are added apart as
 * numbers (a fraction is below 10^12, so millions of them stay exact below 2^53) and carried
 * once, at the end, in a bigint. Parsing each cost into a bigint cost more than the rest of the
 * rollup. Digits past the 12th are cut, as the Decimal(18, 12) column does.
 */
class DecimalSum {
  private whole = 0;
  private fraction = 0;

  add(value: unknown): void {
    if (value === null || value === undefined) return;
    const text = typeof value === 'string' ? value : String(value);
    // One pass over the characters, no regex and no substrings: this runs five times per call.
    let i = 0;
    const negative = text.charCodeAt(0) === 45; // '-'
    if (negative) i++;
    let whole = 0;
    let fraction = 0;
    let places = -1; // -1 until the point is seen
    const start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 46 && places < 0 && i > start) {
        places = 0;
        continue;
      }
      const digit = c - 48;
      if (digit < 0 || digit > 9)
        throw new RangeError(`not a decimal cost: ${JSON.stringify(value)}`);
      if (places < 0) whole = whole * 10 + digit;
      else if (places < SCALE) {
        fraction = fraction * 10 + digit;
        places++;
      }
    }
    if (i === start || places === 0)
      throw new RangeError(`not a decimal cost: ${JSON.stringify(value)}`);
    if (!Number.isSafeInteger(whole)) throw new RangeError(`cost out of range: ${text}`);
    if (places > 0) fraction *= 10 ** (SCALE - places);
    this.whole += negative ? -whole : whole;
    this.fraction += negative ? -fraction : fraction;
    // Keep the parts exact: move whole units out of the fraction before it grows past 2^53.
    if (this.fraction > 1e15 || this.fraction < -1e15) this.carry();
    if (!Number.isSafeInteger(this.whole)) throw new RangeError('cost sum out of range');
  }

  private carry(): void {
    const units = Math.trunc(this.fraction / 1e12);
    this.whole += units;
    this.fraction -= units * 1e12;
  }

  /** The sum as ClickHouse prints a Decimal(38, 12): 12 places. */
  format(): string {
    const total = BigInt(this.whole) * UNIT + BigInt(this.fraction);
    const negative = total < 0n;
    const digits = (negative ? -total : total).toString().padStart(SCALE + 1, '0');
    const text = `${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`;
    return negative ? `-${text}` : text;
  }
}

type Sums = {
  key: Record<string, unknown>;
  counts: { calls: number; failed: number; unpriced: number; usageMissing: number };
  tokens: number[];
  costs: DecimalSum[];
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
    const start = String(call.start_time);
    const minute = `${start.slice(0, 16)}:00`;
    const model = String(call.response_model || call.request_model || '');
    let id = `${minute}\u0000${model}`;
    for (const column of KEY_COLUMNS) id += `\u0000${call[column] ?? ''}`;
    let sums = groups.get(id);
    if (!sums) {
      sums = {
        key: {
          minute,
          model,
          ...Object.fromEntries(KEY_COLUMNS.map((c) => [c, String(call[c] ?? '')])),
        },
        counts: { calls: 0, failed: 0, unpriced: 0, usageMissing: 0 },
        tokens: TOKEN_COLUMNS.map(() => 0),
        costs: COST_COLUMNS.map(() => new DecimalSum()),
      };
      groups.set(id, sums);
    }
    const usageMissing = call.usage_missing === true;
    sums.counts.calls++;
    if (call.status === 'error') sums.counts.failed++;
    if ((call.total_cost === null || call.total_cost === undefined) && !usageMissing)
      sums.counts.unpriced++;
    if (usageMissing) sums.counts.usageMissing++;
    for (let i = 0; i < TOKEN_COLUMNS.length; i++)
      sums.tokens[i]! += Number(call[TOKEN_COLUMNS[i]!] ?? 0);
    for (let i = 0; i < COST_COLUMNS.length; i++) sums.costs[i]!.add(call[COST_COLUMNS[i]!]);
  }
  return [...groups.values()].map((sums) => ({
    ...sums.key,
    calls: sums.counts.calls,
    failed_calls: sums.counts.failed,
    unpriced_calls: sums.counts.unpriced,
    usage_missing_calls: sums.counts.usageMissing,
    ...Object.fromEntries(TOKEN_COLUMNS.map((c, i) => [c, sums.tokens[i]])),
    ...Object.fromEntries(COST_COLUMNS.map((c, i) => [c, sums.costs[i]!.format()])),
  }));
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
