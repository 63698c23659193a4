import type { Dashboard } from '@grafana/schema';
import { CALLS_WHERE, filterVariables } from './filters.ts';
import { dashboard, histogram, override, sql, stat, table, timeSeries } from './grafana.ts';
import { traceLinks } from './trace.ts';

/**
 * One row per task with calls in the range, as the analyzer's task report: what its calls cost
 * (exact decimal sums) and how it ended (`unknown` when no task span reported an outcome). With
 * the model filter set, a task's cost is that of its calls to those models. The task table is
 * read with FINAL, bounded by the primary key to the tasks found. GLOBAL: on a cluster both tables
 * are Distributed, and a shard may not run a subquery over another Distributed table.
 */
const PER_TASK = sql`
  WITH calls AS (
    SELECT
      c.tenant AS tenant,
      c.task_id AS task_id,
      argMax(c.agent, c.start_time) AS agent,
      count() AS calls,
      sum(ifNull(c.total_cost, 0)) AS cost,
      min(c.start_time) AS started,
      any(c.trace_id) AS call_trace_id
    FROM llm_calls AS c
    WHERE ${CALLS_WHERE}
      AND c.task_id != ''
    GROUP BY c.tenant, c.task_id
  ),
  per_task AS (
    SELECT
      p.tenant AS tenant,
      p.task_id AS task_id,
      t.name AS name,
      p.agent AS agent,
      toString(t.outcome) AS outcome,
      t.error AS error,
      p.calls AS calls,
      p.cost AS cost,
      p.started AS started,
      if(t.trace_id != '', t.trace_id, p.call_trace_id) AS trace_id
    FROM calls AS p
    LEFT JOIN (
      SELECT tenant, task_id, name, outcome, error, trace_id
      FROM tasks FINAL
      WHERE (tenant, task_id) GLOBAL IN (SELECT tenant, task_id FROM calls)
    ) AS t ON t.tenant = p.tenant AND t.task_id = p.task_id
  )`;

const FAILED = `outcome IN ('failure', 'abandoned')`;

const taskColumns = [
  override('cost', { unit: 'currencyUSD' }),
  override('trace_id', { links: traceLinks() }),
];

function taskTable(title: string, description: string, where: string, orderBy: string) {
  return table({
    title,
    description,
    w: 24,
    h: 9,
    overrides: taskColumns,
    sql: sql`
      ${PER_TASK}
      SELECT task_id, name, agent, outcome, error, calls, toFloat64(cost) AS cost, started, trace_id
      FROM per_task
      WHERE ${where}
      ORDER BY ${orderBy}
      LIMIT 100`,
  });
}

/** Cost per task, cost per successful task by agent, failed tasks, links to their traces. */
export function tasks(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-tasks',
    title: 'Tokenwatch / Tasks',
    description: 'What tasks cost and how they ended (llm_calls joined with tasks FINAL).',
    variables: filterVariables(),
    panels: [
      stat({
        title: 'Tasks',
        description: 'Tasks with calls in the range, by how they ended.',
        w: 12,
        h: 4,
        unit: 'short',
        sql: sql`
          ${PER_TASK}
          SELECT
            count() AS tasks,
            countIf(outcome = 'success') AS succeeded,
            countIf(${FAILED}) AS failed_or_abandoned,
            countIf(outcome = 'unknown') AS outcome_unknown
          FROM per_task`,
      }),
      stat({
        title: 'Cost of failed and abandoned tasks',
        description: 'All calls of tasks that ended in failure or were abandoned.',
        w: 6,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          ${PER_TASK}
          SELECT toFloat64(sumIf(cost, ${FAILED})) AS failed_task_cost
          FROM per_task`,
      }),
      stat({
        title: 'Median cost per task',
        description: 'Half of the tasks cost less than this.',
        w: 6,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          ${PER_TASK}
          SELECT quantileExact(0.5)(toFloat64(cost)) AS median_task_cost
          FROM per_task`,
      }),
      histogram({
        title: 'Cost per task distribution',
        description: 'How many tasks fall in each cost bucket.',
        w: 10,
        h: 9,
        unit: 'currencyUSD',
        sql: sql`
          ${PER_TASK}
          SELECT toFloat64(cost) AS cost
          FROM per_task`,
      }),
      table({
        title: 'Cost per task by agent',
        description:
          'Cost per successful task = all task cost of the agent / its successful tasks: the failures are paid for by the successes. Empty when nothing succeeded.',
        w: 14,
        h: 9,
        overrides: ['p50', 'p90', 'p99', 'total_cost', 'cost_per_successful_task'].map((f) =>
          override(f, { unit: 'currencyUSD' }),
        ),
        sql: sql`
          ${PER_TASK}
          SELECT
            agent,
            count() AS tasks,
            countIf(outcome = 'success') AS successes,
            countIf(${FAILED}) AS failures,
            quantileExact(0.5)(toFloat64(cost)) AS p50,
            quantileExact(0.9)(toFloat64(cost)) AS p90,
            quantileExact(0.99)(toFloat64(cost)) AS p99,
            toFloat64(sum(cost)) AS total_cost,
            if(successes = 0, NULL, total_cost / successes) AS cost_per_successful_task
          FROM per_task
          GROUP BY agent
          ORDER BY total_cost DESC, agent`,
      }),
      taskTable(
        'Failed tasks',
        'Tasks that ended in failure or were abandoned, newest first. trace_id opens the trace.',
        FAILED,
        'started DESC, task_id',
      ),
      taskTable(
        'Most expensive tasks',
        'The 100 costliest tasks in the range. trace_id opens the trace.',
        '1 = 1',
        'cost DESC, task_id',
      ),
      timeSeries({
        title: 'Task cost by outcome',
        description: 'Cost of tasks by the time of their first call in the range.',
        w: 24,
        h: 8,
        unit: 'currencyUSD',
        stack: true,
        sql: sql`
          ${PER_TASK}
          SELECT
            $__timeInterval(started) AS time,
            outcome AS series,
            toFloat64(sum(cost)) AS cost
          FROM per_task
          GROUP BY time, series
          ORDER BY time, series`,
      }),
    ],
  });
}
