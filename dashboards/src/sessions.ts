import type { Dashboard } from '@grafana/schema';
import { CALLS_WHERE, filterSql, filterVariables, tenantFilter } from './filters.ts';
import {
  dashboard,
  override,
  queryVariable,
  sql,
  stat,
  table,
  textVariable,
  timeSeries,
  traces,
} from './grafana.ts';
import { TRACE_DASHBOARD_UID, traceLinks, traceSql } from './trace.ts';

const PROMPT = 'input_tokens + cache_read_tokens + cache_write_tokens';
const CALL_PROMPT = 'c.input_tokens + c.cache_read_tokens + c.cache_write_tokens';

/**
 * The calls of the picked session, all of them whatever the other filters: the session list is
 * what the filters narrow. An empty pick matches nothing (many calls have no session).
 */
const SESSION_WHERE = sql`$__timeFilter(start_time)
  AND session_id != ''
  AND session_id = \${session:sqlstring}
  AND ${tenantFilter()}`;

const sessionLink = {
  title: 'Explore this session',
  url: `/d/${TRACE_DASHBOARD_UID}/tokenwatch-sessions?var-session=\${__value.raw}&\${__url_time_range}`,
};

/** Per-session calls, prompt growth and cost, and the trace view. */
export function sessions(): Dashboard {
  return dashboard({
    uid: TRACE_DASHBOARD_UID,
    title: 'Tokenwatch / Sessions',
    description: 'Sessions by cost, how their prompt grew call after call, and their traces.',
    variables: [
      ...filterVariables(),
      queryVariable(
        'session',
        'Session',
        sql`SELECT session_id
        FROM llm_usage_1m
        WHERE $__timeFilter(minute)
          AND session_id != ''
          AND ${filterSql()}
        GROUP BY session_id
        ORDER BY sum(total_cost) DESC, session_id
        LIMIT 200`,
        { multi: false },
      ),
      textVariable(
        'trace_id',
        'Trace ID',
        '',
        'A trace to show in the trace view (32 hex digits).',
      ),
    ],
    panels: [
      table({
        title: 'Sessions',
        description:
          'The 100 costliest sessions in the range. Prompt growth = last prompt / first prompt (uncached input + cache read + cache write tokens). session_id picks the session below.',
        w: 24,
        h: 9,
        overrides: [
          override('cost', { unit: 'currencyUSD' }),
          override('prompt_growth', { unit: 'x', decimals: 1 }),
          override('session_id', { links: [sessionLink] }),
          override('trace_id', { links: traceLinks() }),
        ],
        sql: sql`
          SELECT
            c.session_id AS session_id,
            argMin(c.agent, c.start_time) AS agent,
            count() AS calls,
            toFloat64(sum(ifNull(c.total_cost, 0))) AS cost,
            max(${CALL_PROMPT}) AS max_prompt_tokens,
            argMax(${CALL_PROMPT}, c.start_time)
              / nullIf(argMin(${CALL_PROMPT}, c.start_time), 0) AS prompt_growth,
            min(c.start_time) AS first_call,
            max(c.start_time) AS last_call,
            argMin(c.trace_id, c.start_time) AS trace_id
          FROM llm_calls AS c
          WHERE ${CALLS_WHERE}
            AND c.session_id != ''
          GROUP BY c.tenant, c.session_id
          ORDER BY cost DESC, session_id
          LIMIT 100`,
      }),
      stat({
        title: 'Selected session',
        description: 'The session picked in the Session variable.',
        w: 24,
        h: 4,
        overrides: [
          override('cost', { unit: 'currencyUSD' }),
          override('prompt_growth', { unit: 'x', decimals: 1 }),
          override('duration', { unit: 's' }),
        ],
        sql: sql`
          SELECT
            count() AS calls,
            toFloat64(sum(ifNull(total_cost, 0))) AS cost,
            argMax(${PROMPT}, start_time) / nullIf(argMin(${PROMPT}, start_time), 0) AS prompt_growth,
            dateDiff('second', min(start_time), max(start_time)) AS duration
          FROM llm_calls
          WHERE ${SESSION_WHERE}`,
      }),
      timeSeries({
        title: 'Prompt per call',
        description:
          'Tokens of each call of the session: a prompt that keeps growing is context that is never compacted.',
        w: 12,
        h: 8,
        unit: 'short',
        stack: true,
        sql: sql`
          SELECT
            start_time AS time,
            input_tokens AS uncached_input,
            cache_read_tokens AS cache_read,
            cache_write_tokens AS cache_write,
            output_tokens AS output
          FROM llm_calls
          WHERE ${SESSION_WHERE}
          ORDER BY time, span_id`,
      }),
      timeSeries({
        title: 'Cumulative cost',
        description: 'What the session had cost after each call.',
        w: 12,
        h: 8,
        unit: 'currencyUSD',
        sql: sql`
          SELECT
            start_time AS time,
            toFloat64(sum(ifNull(total_cost, 0)) OVER (ORDER BY start_time, span_id)) AS cumulative_cost
          FROM llm_calls
          WHERE ${SESSION_WHERE}
          ORDER BY time, span_id`,
      }),
      table({
        title: 'Calls in the session',
        description: 'In order. trace_id opens the trace.',
        w: 24,
        h: 10,
        overrides: [
          override('cost', { unit: 'currencyUSD' }),
          override('cumulative_cost', { unit: 'currencyUSD' }),
          override('trace_id', { links: traceLinks() }),
        ],
        sql: sql`
          SELECT
            start_time,
            agent,
            model,
            ${PROMPT} AS prompt_tokens,
            output_tokens,
            toFloat64(ifNull(total_cost, 0)) AS cost,
            toFloat64(sum(ifNull(total_cost, 0)) OVER (ORDER BY start_time, span_id)) AS cumulative_cost,
            status,
            error_type,
            finish_reason,
            task_id,
            trace_id
          FROM llm_calls
          WHERE ${SESSION_WHERE}
          ORDER BY start_time, span_id`,
      }),
      traces({
        title: 'Trace',
        description: 'The trace in the Trace ID variable (links in the tables above fill it in).',
        w: 24,
        h: 14,
        sql: traceSql(`\${trace_id:sqlstring}`, true),
      }),
    ],
  });
}
