import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime, type TimeRange } from './time-range.ts';

/** What failure cost one agent over a range. */
export type AgentFailureCost = {
  agent: string;
  totalCostUsd: string;
  /** All calls of tasks that ended in failure or were abandoned. */
  failedTasks: number;
  failedTaskCostUsd: string;
  /** Calls that returned an error. */
  failedCalls: number;
  failedCallCostUsd: string;
  /** Repeats of an identical request within a task, beyond its first attempt. */
  retries: number;
  retryCostUsd: string;
  /** (failed task cost + failed call cost outside them + retry cost outside them) / total cost. */
  wasteShare: number;
};

const Row = z.object({
  agent: z.string(),
  total: z.string(),
  failed_tasks: z.coerce.number(),
  failed_task_cost: z.string(),
  failed_calls: z.coerce.number(),
  failed_call_cost: z.string(),
  retries: z.coerce.number(),
  retry_cost: z.string(),
  waste: z.coerce.number(),
});

/**
 * Failure cost by agent: cost of failed and abandoned tasks, of failed calls, and of retries.
 * A retry is a call that repeats an earlier call of the same task exactly: same model, same
 * prompt prefix hash and the same prompt size (input + cache read + cache write tokens) — what a
 * client or agent loop resending a request produces. The waste share counts each call once even
 * when it is both a retry and part of a failed task.
 */
export async function getFailureCost(
  store: Store,
  params: { tenant: string; range: TimeRange },
): Promise<AgentFailureCost[]> {
  const rows = await queryRows(store, {
    query: `SELECT agent,
        toString(sum(cost)) AS total,
        uniqExactIf(task_id, task_failed) AS failed_tasks,
        toString(sumIf(cost, task_failed)) AS failed_task_cost,
        countIf(call_failed) AS failed_calls,
        toString(sumIf(cost, call_failed)) AS failed_call_cost,
        countIf(is_retry) AS retries,
        toString(sumIf(cost, is_retry)) AS retry_cost,
        if(sum(cost) = 0, 0, toFloat64(sumIf(cost, task_failed OR call_failed OR is_retry)) / toFloat64(sum(cost))) AS waste
      FROM (
        SELECT c.agent AS agent, c.task_id AS task_id, ifNull(c.total_cost, 0) AS cost,
          c.status = 'error' AS call_failed,
          t.outcome IN ('failure', 'abandoned') AS task_failed,
          row_number() OVER (
            PARTITION BY c.task_id, c.model, c.prefix_hash,
              c.input_tokens + c.cache_read_tokens + c.cache_write_tokens
            ORDER BY c.start_time, c.span_id) > 1 AS is_retry
        FROM ${TABLES.llmCalls} AS c FINAL
        LEFT JOIN (SELECT task_id, outcome FROM ${TABLES.tasks} FINAL WHERE tenant = {tenant: String}) AS t
          ON t.task_id = c.task_id
        WHERE c.tenant = {tenant: String}
          AND c.start_time >= {from: DateTime64(3, 'UTC')} AND c.start_time < {to: DateTime64(3, 'UTC')}
      )
      GROUP BY agent
      ORDER BY sumIf(cost, task_failed OR call_failed OR is_retry) DESC, agent`,
    params: { tenant: params.tenant, from: chTime(params.range.from), to: chTime(params.range.to) },
    schema: Row,
    settings: { max_execution_time: 60 },
  });
  return rows.map((r) => ({
    agent: r.agent,
    totalCostUsd: r.total,
    failedTasks: r.failed_tasks,
    failedTaskCostUsd: r.failed_task_cost,
    failedCalls: r.failed_calls,
    failedCallCostUsd: r.failed_call_cost,
    retries: r.retries,
    retryCostUsd: r.retry_cost,
    wasteShare: r.waste,
  }));
}
