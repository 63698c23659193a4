import type { Dashboard } from '@grafana/schema';
import { filterSql, filterVariables, ROLLUP_WHERE, seriesLabel } from './filters.ts';
import { dashboard, override, sql, stat, table, timeSeries } from './grafana.ts';

const PROMPT = 'input_tokens + cache_read_tokens + cache_write_tokens';
/** cache read / (uncached input + cache read + cache write), over summed rollup rows. */
const HIT_RATE = `sum(cache_read_tokens) / greatest(sum(${PROMPT}), 1)`;
/** How long a provider keeps a written prefix (the analyzer's CACHE_TTL_SECONDS). */
const CACHE_TTL_SECONDS = 300;
/** The analyzer's CHURN_FLAG_RATIO. */
const CHURN_FLAG = 0.5;

/** Raw calls in range with the filters, prefix known (cache rows of `llm_calls`). */
const rawCalls = (columns: readonly string[], extra: string) => sql`
      SELECT
        ${columns.join(',\n')}
      FROM llm_calls
      WHERE $__timeFilter(start_time)
        AND ${filterSql()}
        AND prefix_hash != ''
        AND ${extra}`;

/**
 * Cache writes whose prefix is not read back (same tenant and agent) within the cache lifetime:
 * the next read after each write is found with an ASOF join, as the analyzer's cache report does.
 * One row per agent.
 */
const WASTED_WRITES = sql`
  SELECT
    w.agent AS agent,
    count() AS wasted_writes,
    sum(w.cache_write_tokens) AS wasted_tokens,
    toFloat64(sum(ifNull(w.cache_write_cost, 0))) AS wasted_cost
  FROM (
    ${rawCalls(
      ['tenant', 'agent', 'prefix_hash', 'start_time', 'cache_write_tokens', 'cache_write_cost'],
      'cache_write_tokens > 0',
    )}
  ) AS w
  ASOF LEFT JOIN (
      SELECT tenant, agent, prefix_hash, start_time AS read_time
      FROM llm_calls
      WHERE start_time >= $__fromTime
        AND start_time <= $__toTime + INTERVAL ${CACHE_TTL_SECONDS} SECOND
        AND ${filterSql()}
        AND prefix_hash != ''
        AND cache_read_tokens > 0
  ) AS r
  ON w.tenant = r.tenant AND w.agent = r.agent AND w.prefix_hash = r.prefix_hash
    AND r.read_time > w.start_time
  WHERE r.read_time = toDateTime64(0, 9)
    OR r.read_time > w.start_time + INTERVAL ${CACHE_TTL_SECONDS} SECOND
  GROUP BY agent`;

/** Hit rate, token counts that decide savings, wasted writes and prefix churn per agent. */
export function cache(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-cache',
    title: 'Tokenwatch / Prompt cache',
    description: 'How much of the prompt the provider cache served, and agents that waste it.',
    variables: filterVariables(),
    panels: [
      stat({
        title: 'Cache hit rate',
        description: 'cache read tokens / (uncached input + cache read + cache write tokens).',
        w: 6,
        h: 4,
        unit: 'percentunit',
        sql: sql`
          SELECT ${HIT_RATE} AS hit_rate
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}`,
      }),
      stat({
        title: 'Prompt tokens',
        description:
          'Uncached input, cache read and cache write tokens: the counts savings depend on.',
        w: 12,
        h: 4,
        unit: 'short',
        sql: sql`
          SELECT
            sum(input_tokens) AS uncached_input,
            sum(cache_read_tokens) AS cache_read,
            sum(cache_write_tokens) AS cache_write
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}`,
      }),
      stat({
        title: 'Wasted cache writes',
        description: `Cache-write tokens whose prefix was not read back within ${CACHE_TTL_SECONDS / 60} minutes.`,
        w: 6,
        h: 4,
        unit: 'short',
        sql: sql`
          SELECT sum(wasted_tokens) AS wasted_tokens, sum(wasted_cost) AS wasted_cost
          FROM (
            ${WASTED_WRITES}
          )`,
        overrides: [override('wasted_cost', { unit: 'currencyUSD' })],
      }),
      timeSeries({
        title: 'Hit rate by agent',
        description: 'Per time bucket; buckets without prompt tokens are left out.',
        w: 12,
        h: 8,
        unit: 'percentunit',
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            ${seriesLabel('agent')} AS series,
            ${HIT_RATE} AS hit_rate
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time, series
          HAVING sum(${PROMPT}) > 0
          ORDER BY time, series`,
      }),
      timeSeries({
        title: 'Prompt tokens by kind',
        description: 'Uncached input, cache read and cache write tokens per time bucket.',
        w: 12,
        h: 8,
        unit: 'short',
        stack: true,
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            sum(input_tokens) AS uncached_input,
            sum(cache_read_tokens) AS cache_read,
            sum(cache_write_tokens) AS cache_write
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time
          ORDER BY time`,
      }),
      table({
        title: 'Cache by agent and model',
        description:
          'Estimated savings = (cache read + cache write tokens) × the uncached input price seen for the model, minus what the reads and writes cost; negative when writes cost more than reads saved. Empty without priced uncached input. `tokenwatch cache` computes it from the price data.',
        w: 24,
        h: 9,
        overrides: ['cache_read_cost', 'cache_write_cost', 'estimated_savings'].map((f) =>
          override(f, { unit: 'currencyUSD' }),
        ),
        sql: sql`
          SELECT
            agent,
            model,
            sum(calls) AS calls,
            sum(input_tokens) AS uncached_input,
            sum(cache_read_tokens) AS cache_read,
            sum(cache_write_tokens) AS cache_write,
            ${HIT_RATE} AS hit_rate,
            toFloat64(sum(cache_read_cost)) AS cache_read_cost,
            toFloat64(sum(cache_write_cost)) AS cache_write_cost,
            if(sum(input_tokens) = 0 OR sum(input_cost) = 0, NULL,
              (cache_read + cache_write) * toFloat64(sum(input_cost)) / uncached_input
                - (cache_read_cost + cache_write_cost)) AS estimated_savings
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY agent, model
          HAVING cache_read + cache_write > 0
          ORDER BY cache_read + cache_write DESC, agent, model`,
      }),
      table({
        title: 'Wasted cache writes by agent',
        description: `Writes (with a prefix hash) not read back by the same agent within ${CACHE_TTL_SECONDS / 60} minutes.`,
        w: 12,
        h: 8,
        overrides: [override('wasted_cost', { unit: 'currencyUSD' })],
        sql: sql`
          ${WASTED_WRITES}
          ORDER BY wasted_cost DESC, agent`,
      }),
      table({
        title: 'Prefix churn by agent',
        description: `Share of calls in a conversation (session, else task; 3 calls or more) that start a new prompt prefix, averaged. At ${CHURN_FLAG} and above the agent breaks its own cache (a timestamp in the system prompt, reordered tools).`,
        w: 12,
        h: 8,
        overrides: [override('churn', { unit: 'percentunit' })],
        sql: sql`
          SELECT
            agent,
            count() AS conversations,
            avg(changes / calls) AS churn,
            churn >= ${CHURN_FLAG} AS breaks_cache
          FROM (
            ${rawCalls(
              [
                'agent',
                "if(session_id != '', session_id, task_id) AS conversation",
                'count() AS calls',
                'uniqExact(prefix_hash) - 1 AS changes',
              ],
              "(session_id != '' OR task_id != '')",
            )}
            GROUP BY tenant, agent, conversation
            HAVING calls >= 3
          )
          GROUP BY agent
          ORDER BY churn DESC, agent`,
      }),
    ],
  });
}
