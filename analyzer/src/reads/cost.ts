import { z } from 'zod';
import { getCost } from '../analytics/cost.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  DecimalText,
  dimensionsParam,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

const CostTotalSchema = z.object({
  calls: Count,
  unpricedCalls: Count,
  inputTokens: Count,
  cacheReadTokens: Count,
  cacheWriteTokens: Count,
  outputTokens: Count,
  reasoningTokens: Count,
  /** USD, exact. */
  costUsd: DecimalText,
  previousCostUsd: DecimalText,
  /** costUsd − previousCostUsd. */
  deltaUsd: DecimalText,
  /** Relative change, null when the previous period spent nothing. */
  deltaRatio: z.number().nullable(),
});

/** Spend of one group over the range, with the same group's spend in the period before. */
export const CostRowSchema = z.object({
  /** The group's value of each dimension asked for. */
  key: z.record(z.string(), z.string()),
  ...CostTotalSchema.shape,
});

/** What `cost` answers. */
export const CostResultSchema = z.object({
  range: RangeSchema,
  by: z.array(z.string()),
  total: CostTotalSchema,
  /** The most expensive groups first. */
  rows: z.array(CostRowSchema),
  truncated: TruncatedSchema,
});

type CostTotal = z.output<typeof CostTotalSchema>;

const defaults = { since: '7d', until: 'now', by: 'agent', limit: String(ROW_LIMIT) } as const;

/**
 * `cost`: cost, tokens and calls by any dimensions over a range, with the change against the
 * period of the same length before it.
 */
export const costRead = defineRead({
  name: 'cost',
  path: '/cost',
  query: (context) =>
    z.object({
      ...rangeParams(context, defaults),
      by: dimensionsParam(defaults.by),
      limit: limitParam(),
    }),
  defaults,
  result: CostResultSchema,
  async run({ store, tenant }, query) {
    const report = await getCost(store, {
      tenant,
      range: rangeOf(query),
      by: query.by,
      limit: query.limit,
    });
    return {
      range: report.range,
      by: report.by,
      total: report.total,
      rows: report.rows,
      truncated: truncations({ rows: { shown: report.rows.length, total: report.groups } }),
    };
  },
  print: {
    // A group none of whose calls could be priced costs an unknown amount, not $0.
    json: (report) => ({
      ...report,
      total: { ...report.total, costUsd: knownCost(report.total) },
      rows: report.rows.map((r) => ({ ...r, costUsd: knownCost(r) })),
    }),
    tables: (report) => [
      {
        records: [
          ...report.rows.map((r) => ({ ...r.key, ...costColumns(r) })),
          { [report.by[0] ?? 'total']: 'TOTAL', ...costColumns(report.total) },
        ],
        truncated: report.truncated.rows,
      },
    ],
  },
});

/**
 * A group's cost, or null when none of its calls could be priced: the sum of no prices is
 * unknown, not $0 (a group with some priced calls shows their sum, with `unpriced` beside it).
 */
function knownCost(r: CostTotal): string | null {
  return r.calls > 0 && r.unpricedCalls === r.calls ? null : r.costUsd;
}

function costColumns(r: CostTotal) {
  return {
    calls: r.calls,
    input: r.inputTokens,
    cache_read: r.cacheReadTokens,
    cache_write: r.cacheWriteTokens,
    output: r.outputTokens,
    cost_usd: knownCost(r) ?? '—',
    previous_usd: r.previousCostUsd,
    delta_usd: r.deltaUsd,
    unpriced: r.unpricedCalls,
  };
}
