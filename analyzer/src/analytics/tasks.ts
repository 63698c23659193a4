import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { divideDecimal } from './decimal-text.ts';
import { chTime, type TimeRange } from './time-range.ts';

/** One task: what it cost and how it ended. */
export type TaskCost = {
  taskId: string;
  name: string;
  agent: string;
  outcome: string;
  calls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  costUsd: string;
  durationSeconds: number;
  start: string;
};

/** Cost distribution of an agent's tasks, and what a successful one costs. */
export type AgentTaskStats = {
  agent: string;
  tasks: number;
  successes: number;
  failures: number;
  totalCostUsd: string;
  p50CostUsd: number;
  p90CostUsd: number;
  p99CostUsd: number;
  /**
   * All task cost of the agent divided by its successful tasks: failures are paid for by the
   * successes. Null when nothing succeeded.
   */
  costPerSuccessfulTaskUsd: string | null;
};

// The calls of each task in range, with the task's recorded outcome (unknown when no task span).
// Calls outside any task are not a task. A task's agent is that of its last call (argMax, so the
// answer does not depend on the order the engine reads rows in).
const PER_TASK = `
  SELECT
    c.task_id AS task_id,
    anyIf(t.name, t.name != '') AS name,
    argMax(c.agent, (c.start_time, c.span_id)) AS agent,
    if(any(t.outcome) = '', 'unknown', toString(any(t.outcome))) AS outcome,
    count() AS calls,
    sum(c.input_tokens) AS input_tokens,
    sum(c.cache_read_tokens) AS cache_read_tokens,
    sum(c.cache_write_tokens) AS cache_write_tokens,
    sum(c.output_tokens) AS output_tokens,
    sum(ifNull(c.total_cost, 0)) AS cost,
    min(c.start_time) AS first_start,
    max(c.start_time + toIntervalNanosecond(c.duration_ns)) AS last_end,
    any(t.start_time) AS task_start,
    any(t.end_time) AS task_end
  FROM ${TABLES.llmCalls} AS c
  LEFT JOIN (
    SELECT task_id, name, outcome, start_time, end_time FROM ${TABLES.tasks} FINAL
    WHERE tenant = {tenant: String}
  ) AS t ON t.task_id = c.task_id
  WHERE c.tenant = {tenant: String}
    AND c.start_time >= {from: DateTime64(3, 'UTC')} AND c.start_time < {to: DateTime64(3, 'UTC')}
    AND ({agent: String} = '' OR c.agent = {agent: String})
    AND c.task_id != ''
  GROUP BY c.task_id`;

const TaskRow = z.object({
  task_id: z.string(),
  name: z.string(),
  agent: z.string(),
  outcome: z.string(),
  calls: z.coerce.number(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  cost: z.string(),
  start: z.string(),
  duration_seconds: z.coerce.number(),
  total: z.coerce.number(),
});

type TaskParams = {
  tenant: string;
  range: TimeRange;
  top?: number;
  outcome?: string;
  agent?: string;
};

/** Tasks by cost, most expensive first; optionally only one outcome or one agent. */
export async function getTasks(store: Store, params: TaskParams): Promise<TaskCost[]> {
  return (await getTaskPage(store, params)).tasks;
}

/**
 * The `top` most expensive tasks (20 without it), as {@link getTasks}, and how many tasks
 * matched in all, so a caller can say how many it left out.
 */
export async function getTaskPage(
  store: Store,
  params: TaskParams,
): Promise<{ tasks: TaskCost[]; total: number }> {
  const rows = await queryRows(store, {
    // The window count is taken before LIMIT: every task that matched.
    query: `SELECT task_id, name, agent, outcome, calls, input_tokens, cache_read_tokens,
        cache_write_tokens, output_tokens, toString(cost) AS cost,
        toString(if(task_start > toDateTime64(0, 9), task_start, first_start)) AS start,
        dateDiff('millisecond', if(task_start > toDateTime64(0, 9), task_start, first_start),
          if(task_end > toDateTime64(0, 9), task_end, last_end)) / 1000 AS duration_seconds,
        count() OVER () AS total
      FROM (${PER_TASK})
      WHERE {outcome: String} = '' OR outcome = {outcome: String}
      ORDER BY cost DESC, task_id
      LIMIT {top: UInt32}`,
    params: { ...rangeParams(params), outcome: params.outcome ?? '', top: params.top ?? 20 },
    schema: TaskRow,
    settings: { max_execution_time: 60 },
  });
  const tasks = rows.map((r) => ({
    taskId: r.task_id,
    name: r.name,
    agent: r.agent,
    outcome: r.outcome,
    calls: r.calls,
    inputTokens: r.input_tokens,
    cacheReadTokens: r.cache_read_tokens,
    cacheWriteTokens: r.cache_write_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost,
    durationSeconds: r.duration_seconds,
    start: r.start,
  }));
  return { tasks, total: rows[0]?.total ?? 0 };
}

const AgentRow = z.object({
  agent: z.string(),
  tasks: z.coerce.number(),
  successes: z.coerce.number(),
  failures: z.coerce.number(),
  total: z.string(),
  q: z.array(z.coerce.number()),
});

/** Per agent: task count, outcomes, cost percentiles and cost per successful task. */
export async function getTaskStatsByAgent(
  store: Store,
  params: { tenant: string; range: TimeRange; agent?: string },
): Promise<AgentTaskStats[]> {
  const rows = await queryRows(store, {
    query: `SELECT agent, count() AS tasks, countIf(outcome = 'success') AS successes,
        countIf(outcome IN ('failure', 'abandoned')) AS failures, toString(sum(cost)) AS total,
        quantilesExact(0.5, 0.9, 0.99)(toFloat64(cost)) AS q
      FROM (${PER_TASK})
      GROUP BY agent
      ORDER BY sum(cost) DESC, agent`,
    params: rangeParams(params),
    schema: AgentRow,
    settings: { max_execution_time: 60 },
  });
  return rows.map((r) => ({
    agent: r.agent,
    tasks: r.tasks,
    successes: r.successes,
    failures: r.failures,
    totalCostUsd: r.total,
    p50CostUsd: r.q[0] ?? 0,
    p90CostUsd: r.q[1] ?? 0,
    p99CostUsd: r.q[2] ?? 0,
    costPerSuccessfulTaskUsd: r.successes > 0 ? divideDecimal(r.total, r.successes) : null,
  }));
}

function rangeParams(params: { tenant: string; range: TimeRange; agent?: string }) {
  return {
    tenant: params.tenant,
    from: chTime(params.range.from),
    to: chTime(params.range.to),
    agent: params.agent ?? '',
  };
}
