import { queryRows } from '@tokenwatch/store';
import { z } from 'zod';
import { Sums as SumFields } from '../analytics/cost.ts';
import { sumDecimals } from '../analytics/decimal-text.ts';
import { type Dimension, ROLLUP_DIMENSIONS } from '../analytics/dimensions.ts';
import { defineRead } from './contract.ts';
import {
  bucketsQuery,
  groupsQuery,
  inlineParams,
  SERIES_STEPS,
  type SeriesScope,
  type SeriesStep,
} from './cost-series-query.ts';
import {
  Count,
  DecimalText,
  dimensionsParam,
  firstRows,
  Instant,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** The series that stands for every value of the first dimension past the `series` most expensive. */
export const OTHER_SERIES = '(other)';

const SumsSchema = z.object({
  calls: Count,
  unpricedCalls: Count,
  inputTokens: Count,
  cacheReadTokens: Count,
  cacheWriteTokens: Count,
  outputTokens: Count,
  reasoningTokens: Count,
  /** USD, exact. */
  costUsd: DecimalText,
});

/** What `cost-series` answers. */
export const CostSeriesResultSchema = z.object({
  range: RangeSchema,
  by: z.array(z.string()),
  /** The dimension filters applied (dimension → value). */
  filters: z.record(z.string(), z.string()),
  step: z.enum(SERIES_STEPS),
  /** The zone buckets start in. */
  timezone: z.string(),
  total: SumsSchema,
  /** Sums per group of `by`, the most expensive first. */
  groups: z.array(SumsSchema.extend({ key: z.record(z.string(), z.string()) })),
  /** Values of the first dimension drawn as their own series, most expensive first. */
  series: z.array(z.object({ key: z.string(), costUsd: DecimalText })),
  /**
   * Buckets with calls, in time order; `bySeries` holds the cost of each series with calls in
   * the bucket, `callsBySeries` their calls.
   */
  buckets: z.array(
    z.object({
      start: Instant,
      calls: Count,
      costUsd: DecimalText,
      bySeries: z.record(z.string(), DecimalText),
      callsBySeries: z.record(z.string(), Count),
    }),
  ),
  /** The groups' statement with its values written in, for `tokenwatch sql`. */
  sql: z.string(),
  truncated: TruncatedSchema,
});

const ROLLUP = [...ROLLUP_DIMENSIONS];
const defaults = { since: '7d', until: 'now', by: 'agent', series: '6', limit: String(ROW_LIMIT) };
const TWO_DAYS_MS = 2 * 86_400_000;

const GroupRow = z.object(SumFields);
const BucketRow = z.object({
  bucket: z.coerce.number(),
  series: z.string(),
  calls: z.coerce.number(),
  cost: z.string(),
});

/**
 * `cost-series`: spend over time by one dimension (stacked series per hour or day in the
 * configured zone) and sums per group of up to two dimensions, filtered to one value of any
 * rollup dimension (`agent=support`). Reads the per-minute rollup only.
 */
export const costSeriesRead = defineRead({
  name: 'cost-series',
  path: '/cost/series',
  query: (context) =>
    z
      .object({
        ...rangeParams(context, defaults),
        by: dimensionsParam(defaults.by),
        step: z.enum(SERIES_STEPS).optional(),
        series: z.coerce.number().int().min(1).max(20).default(Number(defaults.series)),
        limit: limitParam(),
        ...Object.fromEntries(ROLLUP.map((d) => [d, z.string().min(1).optional()])),
      })
      .superRefine((query, ctx) => {
        const by = query.by as Dimension[];
        if (by.length > 2)
          ctx.addIssue({ code: 'custom', path: ['by'], message: 'at most two dimensions' });
        const outside = by.find((d) => !ROLLUP_DIMENSIONS.has(d));
        if (outside)
          ctx.addIssue({
            code: 'custom',
            path: ['by'],
            message: `${outside} is not in the per-minute rollup (use ${ROLLUP.join(', ')})`,
          });
      })
      // Hours up to two days, days beyond, unless asked.
      .transform((query) => ({
        ...query,
        step: (query.step ??
          (query.until.getTime() - query.since.getTime() > TWO_DAYS_MS
            ? 'day'
            : 'hour')) as SeriesStep,
      })),
  defaults,
  result: CostSeriesResultSchema,
  async run({ store, settings, tenant }, query) {
    // One filter parameter per rollup dimension, built from the dimension table: the query's
    // static type does not name them.
    const raw = query as unknown as Record<string, unknown>;
    const filters: Partial<Record<Dimension, string>> = {};
    for (const d of ROLLUP) if (typeof raw[d] === 'string') filters[d] = raw[d] as string;
    const range = rangeOf(query);
    const by = query.by as Dimension[];
    const scope: SeriesScope = { tenant, from: range.from, to: range.to, by, filters };
    const timezone = settings.config.timezone;
    const groupsBound = groupsQuery(scope);
    const settingsOf = { max_execution_time: 60 };
    const groupRows = await queryRows(store, {
      ...groupsBound,
      // The dimension columns pass through beside the sums.
      schema: GroupRow.loose(),
      settings: settingsOf,
    });
    const groups = groupRows
      .filter((row) => row.calls > 0)
      .map((row) => ({
        key: Object.fromEntries(by.map((d) => [d, String((row as Record<string, unknown>)[d])])),
        ...sums(row),
      }));
    const bucketRows = await queryRows(store, {
      ...bucketsQuery(scope, query.step, timezone),
      schema: BucketRow,
      settings: settingsOf,
    });
    // The series are the first dimension's values by cost over the range; the rest fold into one.
    const costOf = new Map<string, string[]>();
    for (const row of bucketRows)
      costOf.set(row.series, [...(costOf.get(row.series) ?? []), row.cost]);
    const ranked = [...costOf.entries()]
      .map(([key, costs]) => ({ key, costUsd: sumDecimals(costs) }))
      .sort((a, b) => Number(b.costUsd) - Number(a.costUsd));
    const shown = ranked.slice(0, query.series);
    const folded = ranked.slice(query.series);
    const series = folded.length
      ? [...shown, { key: OTHER_SERIES, costUsd: sumDecimals(folded.map((s) => s.costUsd)) }]
      : shown;
    const named = new Set(shown.map((s) => s.key));
    type Bucket = { parts: Map<string, string[]>; calls: Map<string, number> };
    const byBucket = new Map<number, Bucket>();
    for (const row of bucketRows) {
      const entry = byBucket.get(row.bucket) ?? { parts: new Map(), calls: new Map() };
      const key = named.has(row.series) ? row.series : OTHER_SERIES;
      entry.parts.set(key, [...(entry.parts.get(key) ?? []), row.cost]);
      entry.calls.set(key, (entry.calls.get(key) ?? 0) + row.calls);
      byBucket.set(row.bucket, entry);
    }
    const buckets = [...byBucket.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, { parts, calls }]) => {
        const bySeries = Object.fromEntries(
          [...parts.entries()].map(([key, costs]) => [key, sumDecimals(costs)]),
        );
        const callsBySeries = Object.fromEntries(calls);
        return {
          start: new Date(start * 1000),
          calls: [...calls.values()].reduce((sum, n) => sum + n, 0),
          costUsd: sumDecimals(Object.values(bySeries)),
          bySeries,
          callsBySeries,
        };
      });
    const kept = firstRows(groups, query.limit);
    return {
      range,
      by,
      filters: filters as Record<string, string>,
      step: query.step,
      timezone,
      total: totalOf(groups),
      groups: kept.rows,
      series,
      buckets,
      sql: inlineParams(groupsBound),
      truncated: truncations({ groups: kept.cut }),
    };
  },
  print: {
    tables: (result) => [
      {
        records: result.groups.map((g) => ({ ...g.key, ...columns(g) })),
        truncated: result.truncated.groups,
        empty: 'No calls in the range.',
      },
    ],
  },
});

type Sums = z.output<typeof SumsSchema>;

function sums(row: z.output<typeof GroupRow>): Sums {
  return {
    calls: row.calls,
    unpricedCalls: row.unpriced_calls,
    inputTokens: row.input_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    outputTokens: row.output_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost,
  };
}

/** Every group added up (the groups of the rollup cover the range exactly). */
function totalOf(groups: readonly Sums[]): Sums {
  const total: Sums = {
    calls: 0,
    unpricedCalls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costUsd: sumDecimals(groups.map((g) => g.costUsd)),
  };
  for (const g of groups) {
    total.calls += g.calls;
    total.unpricedCalls += g.unpricedCalls;
    total.inputTokens += g.inputTokens;
    total.cacheReadTokens += g.cacheReadTokens;
    total.cacheWriteTokens += g.cacheWriteTokens;
    total.outputTokens += g.outputTokens;
    total.reasoningTokens += g.reasoningTokens;
  }
  return total;
}

function columns(s: Sums) {
  return {
    calls: s.calls,
    input: s.inputTokens,
    cache_read: s.cacheReadTokens,
    cache_write: s.cacheWriteTokens,
    output: s.outputTokens,
    cost_usd: s.costUsd,
    unpriced: s.unpricedCalls,
  };
}
