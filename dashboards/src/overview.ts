import type { Dashboard } from '@grafana/schema';
import { filterSql, filterVariables, ROLLUP_WHERE, seriesLabel } from './filters.ts';
import { dashboard, override, sql, stat, table, timeSeries } from './grafana.ts';

const TOKENS = 'input_tokens + cache_read_tokens + cache_write_tokens + output_tokens';

/** A per-minute-rollup time series of one measure (`expr AS name`) split by one dimension. */
function byDimension(title: string, dimension: string, measure: string, unit: string) {
  return timeSeries({
    title,
    description: `${title} per time bucket, one series per ${dimension}.`,
    w: 12,
    h: 8,
    unit,
    stack: true,
    overrides: [],
    sql: sql`
      SELECT
        $__timeInterval(minute) AS time,
        ${seriesLabel(dimension)} AS series,
        ${measure}
      FROM llm_usage_1m
      WHERE ${ROLLUP_WHERE}
      GROUP BY time, series
      ORDER BY time, series`,
  });
}

/** Spend, tokens and calls over time by model, team and agent; top agents; today's spend. */
export function overview(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-overview',
    title: 'Tokenwatch / Overview',
    description: 'What LLM calls cost, by model, team and agent (from the per-minute rollup).',
    variables: filterVariables(),
    panels: [
      stat({
        title: "Today's spend (UTC)",
        description: 'Spend since 00:00 UTC today, whatever the time range.',
        w: 6,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          SELECT toFloat64(sum(total_cost)) AS spend
          FROM llm_usage_1m
          WHERE minute >= toStartOfDay(now('UTC'))
            AND ${filterSql()}`,
      }),
      stat({
        title: 'Spend in range',
        description: 'Priced calls only; calls without a price add nothing (see Unpriced calls).',
        w: 6,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          SELECT toFloat64(sum(total_cost)) AS spend
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}`,
      }),
      stat({
        title: 'Tokens in range',
        description: 'Uncached input, cache read, cache write and output tokens.',
        w: 6,
        h: 4,
        unit: 'short',
        sql: sql`
          SELECT sum(${TOKENS}) AS tokens
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}`,
      }),
      stat({
        title: 'Calls in range',
        description: 'Billable LLM calls; unpriced ones have no known price for their model.',
        w: 6,
        h: 4,
        unit: 'short',
        sql: sql`
          SELECT sum(calls) AS calls, sum(failed_calls) AS failed, sum(unpriced_calls) AS unpriced
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}`,
      }),
      byDimension('Spend by model', 'model', 'toFloat64(sum(total_cost)) AS spend', 'currencyUSD'),
      byDimension('Spend by team', 'team', 'toFloat64(sum(total_cost)) AS spend', 'currencyUSD'),
      byDimension('Spend by agent', 'agent', 'toFloat64(sum(total_cost)) AS spend', 'currencyUSD'),
      byDimension('Tokens by model', 'model', `sum(${TOKENS}) AS tokens`, 'short'),
      byDimension('Calls by model', 'model', 'sum(calls) AS calls', 'short'),
      timeSeries({
        title: 'Tokens by kind',
        description:
          'Token kinds never overlap: the prompt is uncached input + cache read + cache write.',
        w: 12,
        h: 8,
        unit: 'short',
        stack: true,
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            sum(input_tokens) AS uncached_input,
            sum(cache_read_tokens) AS cache_read,
            sum(cache_write_tokens) AS cache_write,
            sum(output_tokens) AS output
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time
          ORDER BY time`,
      }),
      table({
        title: 'Top agents',
        description: 'The 20 agents that spent most in the range; share is of the filtered spend.',
        w: 24,
        h: 9,
        overrides: [
          override('spend', { unit: 'currencyUSD' }),
          override('share', { unit: 'percentunit' }),
        ],
        sql: sql`
          SELECT
            agent,
            toFloat64(sum(total_cost)) AS spend,
            if(sum(spend) OVER () = 0, 0, spend / sum(spend) OVER ()) AS share,
            sum(calls) AS calls,
            sum(failed_calls) AS failed_calls,
            sum(${TOKENS}) AS tokens,
            sum(cache_read_tokens) / greatest(sum(input_tokens + cache_read_tokens + cache_write_tokens), 1) AS cache_hit_rate
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY agent
          ORDER BY spend DESC, agent
          LIMIT 20`,
      }),
    ],
  });
}
