import type { Dashboard } from '@grafana/schema';
import { CALLS_WHERE, filterVariables, ROLLUP_WHERE, seriesLabel } from './filters.ts';
import { dashboard, override, sql, stat, table, timeSeries } from './grafana.ts';

/**
 * Every call in range with what made it waste, as the analyzer's failure report: the call
 * failed, its task failed or was abandoned, or it repeats an earlier call of the same task: the
 * very request again where the emitter records its hash (`request_hash`), else, as a heuristic,
 * the same model, prompt prefix hash and prompt size. Hashed and unhashed calls never match each
 * other. Calls without a task are never retries: there is no task to repeat a call of. GLOBAL: on a
 * cluster the tables are Distributed, and a shard may not join or filter on another Distributed one.
 */
const CALLS = sql`
  SELECT
    c.agent AS agent,
    c.error_type AS error_type,
    ifNull(c.total_cost, 0) AS cost,
    c.status = 'error' AS call_failed,
    t.outcome IN ('failure', 'abandoned') AS task_failed,
    (c.task_id != '' AND if(c.request_hash != '',
      row_number() OVER (
        PARTITION BY c.tenant, c.task_id, c.request_hash
        ORDER BY c.start_time, c.span_id) > 1,
      row_number() OVER (
        PARTITION BY c.tenant, c.task_id, c.request_hash, c.model, c.prefix_hash,
          c.input_tokens + c.cache_read_tokens + c.cache_write_tokens
        ORDER BY c.start_time, c.span_id) > 1)) AS is_retry,
    c.task_id AS task_id
  FROM llm_calls AS c
  GLOBAL LEFT JOIN (
    SELECT tenant, task_id, outcome
    FROM tasks FINAL
    WHERE (tenant, task_id) GLOBAL IN (
      SELECT tenant, task_id FROM llm_calls AS c WHERE ${CALLS_WHERE} AND c.task_id != ''
    )
  ) AS t ON t.tenant = c.tenant AND t.task_id = c.task_id
  WHERE ${CALLS_WHERE}`;

const WASTE = 'task_failed OR call_failed OR is_retry';
const waste = (sum: string) =>
  `if(${sum} = 0, 0, toFloat64(sumIf(cost, ${WASTE})) / toFloat64(${sum}))`;

/** Failure cost, retries and error types. */
export function failures(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-failures',
    title: 'Tokenwatch / Failures',
    description: 'What failed tasks, failed calls and retries cost.',
    variables: filterVariables(),
    panels: [
      stat({
        title: 'Waste share of spend',
        description:
          'Cost of failed or abandoned tasks, failed calls and retries (each call counted once) / all spend.',
        w: 6,
        h: 4,
        unit: 'percentunit',
        sql: sql`
          SELECT ${waste('sum(cost)')} AS waste_share
          FROM (
            ${CALLS}
          )`,
      }),
      stat({
        title: 'Failures and retries',
        description: 'Failed calls, tasks that failed or were abandoned, and retried calls.',
        w: 10,
        h: 4,
        unit: 'short',
        sql: sql`
          SELECT
            countIf(call_failed) AS failed_calls,
            uniqExactIf(task_id, task_failed) AS failed_tasks,
            countIf(is_retry) AS retries
          FROM (
            ${CALLS}
          )`,
      }),
      stat({
        title: 'Cost of failures and retries',
        description: 'Each part on its own; a retry in a failed task counts in both.',
        w: 8,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          SELECT
            toFloat64(sumIf(cost, call_failed)) AS failed_call_cost,
            toFloat64(sumIf(cost, task_failed)) AS failed_task_cost,
            toFloat64(sumIf(cost, is_retry)) AS retry_cost
          FROM (
            ${CALLS}
          )`,
      }),
      table({
        title: 'Failure cost by agent',
        description: 'Waste share counts a call once even when it is a retry in a failed task.',
        w: 24,
        h: 8,
        overrides: [
          ...['spend', 'failed_task_cost', 'failed_call_cost', 'retry_cost'].map((f) =>
            override(f, { unit: 'currencyUSD' }),
          ),
          override('waste_share', { unit: 'percentunit' }),
        ],
        sql: sql`
          SELECT
            agent,
            toFloat64(sum(cost)) AS spend,
            uniqExactIf(task_id, task_failed) AS failed_tasks,
            toFloat64(sumIf(cost, task_failed)) AS failed_task_cost,
            countIf(call_failed) AS failed_calls,
            toFloat64(sumIf(cost, call_failed)) AS failed_call_cost,
            countIf(is_retry) AS retries,
            toFloat64(sumIf(cost, is_retry)) AS retry_cost,
            ${waste('sum(cost)')} AS waste_share
          FROM (
            ${CALLS}
          )
          GROUP BY agent
          ORDER BY toFloat64(sumIf(cost, ${WASTE})) DESC, agent`,
      }),
      timeSeries({
        title: 'Failed calls by agent',
        description: 'Calls that returned an error, from the per-minute rollup.',
        w: 12,
        h: 8,
        unit: 'short',
        stack: true,
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            ${seriesLabel('agent')} AS series,
            sum(failed_calls) AS failed_calls
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time, series
          HAVING failed_calls > 0
          ORDER BY time, series`,
      }),
      timeSeries({
        title: 'Cost of failed calls by error type',
        description: 'What calls that returned an error cost, by error type.',
        w: 12,
        h: 8,
        unit: 'currencyUSD',
        stack: true,
        sql: sql`
          SELECT
            $__timeInterval(c.start_time) AS time,
            if(c.error_type = '', '(no type)', c.error_type) AS series,
            toFloat64(sum(ifNull(c.total_cost, 0))) AS cost
          FROM llm_calls AS c
          WHERE ${CALLS_WHERE}
            AND c.status = 'error'
          GROUP BY time, series
          ORDER BY time, series`,
      }),
      table({
        title: 'Error types',
        description: 'Failed calls by error type.',
        w: 24,
        h: 7,
        overrides: [override('cost', { unit: 'currencyUSD' })],
        sql: sql`
          SELECT
            c.error_type AS error_type,
            count() AS calls,
            toFloat64(sum(ifNull(c.total_cost, 0))) AS cost,
            arrayStringConcat(arraySort(groupUniqArray(c.agent)), ', ') AS agents,
            arrayStringConcat(arraySort(groupUniqArray(c.model)), ', ') AS models,
            max(c.start_time) AS last_seen
          FROM llm_calls AS c
          WHERE ${CALLS_WHERE}
            AND c.status = 'error'
          GROUP BY error_type
          ORDER BY calls DESC, error_type`,
      }),
    ],
  });
}
