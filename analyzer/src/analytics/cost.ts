import { Decimal } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { subtractDecimal, sumDecimals } from './decimal-text.ts';
import { DIMENSIONS, type Dimension, ROLLUP_DIMENSIONS } from './dimensions.ts';
import { chTime, previousRange, type TimeRange } from './time-range.ts';

/** Spend of one group over a range, with the same group's spend in the period before. */
export type CostRow = {
  key: Partial<Record<Dimension, string>>;
  calls: number;
  unpricedCalls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** USD as an exact decimal string. */
  costUsd: string;
  previousCostUsd: string;
  /** costUsd − previousCostUsd. */
  deltaUsd: string;
  /** Relative change, null when the previous period spent nothing. */
  deltaRatio: number | null;
};

export type CostReport = {
  range: TimeRange;
  by: Dimension[];
  total: Omit<CostRow, 'key'>;
  rows: CostRow[];
  /** Groups in the range: `rows` holds the most expensive `limit` of them. */
  groups: number;
};

/** Calls, tokens by kind and cost summed over `llm_usage_1m` rows, as {@link Sums} reads them. */
export const ROLLUP_SUMS = [
  'sum(calls) AS calls',
  'sum(unpriced_calls) AS unpriced_calls',
  'sum(input_tokens) AS input_tokens',
  'sum(cache_read_tokens) AS cache_read_tokens',
  'sum(cache_write_tokens) AS cache_write_tokens',
  'sum(output_tokens) AS output_tokens',
  'sum(reasoning_tokens) AS reasoning_tokens',
  'toString(sum(total_cost)) AS cost',
] as const;

/** The row fields of the sums (UInt64 and Decimal arrive as text). */
export const Sums = {
  calls: z.coerce.number(),
  unpriced_calls: z.coerce.number(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  reasoning_tokens: z.coerce.number(),
  cost: z.string(),
};

/**
 * Cost, tokens by kind and calls over a range grouped by any dimensions, with the delta against
 * the previous period of the same length. Reads the per-minute rollup when every dimension is in
 * it, llm_calls otherwise (task). Tenant-scoped. `limit` keeps the most expensive groups (all
 * without it; the reads' row limit is their query schema's).
 */
export async function getCost(
  store: Store,
  params: { tenant: string; range: TimeRange; by: Dimension[]; limit?: number },
): Promise<CostReport> {
  const { tenant, range, by } = params;
  const current = await sumBy(store, tenant, range, by);
  const previous = await sumBy(store, tenant, previousRange(range), by);
  const before = new Map(previous.map((row) => [JSON.stringify(row.key), row.cost]));
  // Each cost is parsed once, and only the rows kept get their delta: grouped by task or session
  // there are tens of thousands of groups, and parsing decimals inside the comparator cost more
  // than the query.
  const rows = current
    .map((row) => ({ row, cost: Decimal.from(row.cost) }))
    .sort((a, b) => b.cost.compare(a.cost))
    .slice(0, params.limit)
    .map(({ row }) => withDelta(row, before.get(JSON.stringify(row.key)) ?? '0'));
  // Over the rollup, the groups' sums add up to the total exactly, so the range is not read a
  // third time. Groups read from llm_calls (task) keep the rollup's total, as before.
  const overall = by.every((d) => ROLLUP_DIMENSIONS.has(d))
    ? addUp(current)
    : await sumBy(store, tenant, range, []);
  const [total] = overall.map((row) =>
    withDelta(row, previous.length === 0 ? '0' : sumDecimals(previous.map((p) => p.cost))),
  );
  const { key: _key, ...totals } = total ?? withDelta(emptySums(), '0');
  return { range, by, total: totals, rows, groups: current.length };
}

type Summed = { key: Partial<Record<Dimension, string>> } & {
  [K in keyof typeof Sums]: z.infer<(typeof Sums)[K]>;
};

async function sumBy(
  store: Store,
  tenant: string,
  range: TimeRange,
  by: Dimension[],
): Promise<Summed[]> {
  const useRollup = by.every((d) => ROLLUP_DIMENSIONS.has(d));
  const columns = by.map((d) => `${DIMENSIONS[d]} AS ${d}`);
  const groupBy = by.length > 0 ? `GROUP BY ${by.join(', ')}` : '';
  const query = useRollup
    ? `SELECT ${[...columns, ...ROLLUP_SUMS].join(', ')}
      FROM ${TABLES.usage1m}
      WHERE tenant = {tenant: String} AND minute >= {from: DateTime64(3, 'UTC')} AND minute < {to: DateTime64(3, 'UTC')}
      ${groupBy}`
    : `SELECT ${[
        ...columns,
        'count() AS calls',
        'countIf(total_cost IS NULL AND NOT usage_missing) AS unpriced_calls',
        'sum(input_tokens) AS input_tokens',
        'sum(cache_read_tokens) AS cache_read_tokens',
        'sum(cache_write_tokens) AS cache_write_tokens',
        'sum(output_tokens) AS output_tokens',
        'sum(reasoning_tokens) AS reasoning_tokens',
        'toString(sum(ifNull(total_cost, 0))) AS cost',
      ].join(', ')}
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      ${groupBy}`;
  const schema = z.object({
    ...Object.fromEntries(by.map((d) => [d, z.string()])),
    ...Sums,
  });
  const rows = await queryRows(store, {
    query,
    params: { tenant, from: chTime(range.from), to: chTime(range.to) },
    schema,
    settings: { max_execution_time: 60 },
  });
  return rows
    .filter((row) => by.length > 0 || row.calls > 0)
    .map((row) => {
      const r = row as Record<string, unknown>;
      return {
        key: Object.fromEntries(by.map((d) => [d, r[d] as string])),
        ...(Object.fromEntries(Object.keys(Sums).map((k) => [k, r[k]])) as Omit<Summed, 'key'>),
      };
    });
}

/** The sums of all groups as one row, or none when no group had calls (as the total query). */
function addUp(rows: readonly Summed[]): Summed[] {
  const sum = emptySums();
  for (const row of rows) {
    sum.calls += row.calls;
    sum.unpriced_calls += row.unpriced_calls;
    sum.input_tokens += row.input_tokens;
    sum.cache_read_tokens += row.cache_read_tokens;
    sum.cache_write_tokens += row.cache_write_tokens;
    sum.output_tokens += row.output_tokens;
    sum.reasoning_tokens += row.reasoning_tokens;
  }
  sum.cost = sumDecimals(rows.map((row) => row.cost));
  return sum.calls > 0 ? [sum] : [];
}

function emptySums(): Summed {
  return {
    key: {},
    calls: 0,
    unpriced_calls: 0,
    input_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    cost: '0',
  };
}

function withDelta(row: Summed, previousCost: string): CostRow {
  const delta = subtractDecimal(row.cost, previousCost);
  const previous = Number(previousCost);
  return {
    key: row.key,
    calls: row.calls,
    unpricedCalls: row.unpriced_calls,
    inputTokens: row.input_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    outputTokens: row.output_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost,
    previousCostUsd: previousCost,
    deltaUsd: delta,
    deltaRatio: previous === 0 ? null : Number(delta) / previous,
  };
}
