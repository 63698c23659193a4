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
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A decimal string as integer units of 10^-12; digits past the 12th are cut, as the column does. */
function units(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  const match = DECIMAL.exec(String(value));
  if (!match) throw new RangeError(`not a decimal cost: ${JSON.stringify(value)}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const magnitude = BigInt(whole + fraction.slice(0, SCALE).padEnd(SCALE, '0'));
  return sign ? -magnitude : magnitude;
}

function format(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, '0');
  const text = `${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`;
  return negative ? `-${text}` : text;
}

type Sums = {
  key: Record<string, unknown>;
  counts: { calls: number; failed: number; unpriced: number; usageMissing: number };
  tokens: number[];
  costs: bigint[];
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
    const keyValues = [minute, model, ...KEY_COLUMNS.map((c) => String(call[c] ?? ''))];
    const id = JSON.stringify(keyValues);
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
        costs: COST_COLUMNS.map(() => 0n),
      };
      groups.set(id, sums);
    }
    const usageMissing = call.usage_missing === true;
    sums.counts.calls++;
    if (call.status === 'error') sums.counts.failed++;
    if ((call.total_cost === null || call.total_cost === undefined) && !usageMissing)
      sums.counts.unpriced++;
    if (usageMissing) sums.counts.usageMissing++;
    TOKEN_COLUMNS.forEach((c, i) => {
      sums.tokens[i]! += Number(call[c] ?? 0);
    });
    COST_COLUMNS.forEach((c, i) => {
      sums.costs[i]! += units(call[c]);
    });
  }
  return [...groups.values()].map((sums) => ({
    ...sums.key,
    calls: sums.counts.calls,
    failed_calls: sums.counts.failed,
    unpriced_calls: sums.counts.unpriced,
    usage_missing_calls: sums.counts.usageMissing,
    ...Object.fromEntries(TOKEN_COLUMNS.map((c, i) => [c, sums.tokens[i]])),
    ...Object.fromEntries(COST_COLUMNS.map((c, i) => [c, format(sums.costs[i]!)])),
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
