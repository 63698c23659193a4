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
  /** Repeats of an earlier request within a task, beyond its first attempt: exact + heuristic. */
  retries: number;
  retryCostUsd: string;
  /** Retries found by request hash: the very request (`tokenwatch.request_hash`) sent again. */
  retriesExact: number;
  retryCostExactUsd: string;
  /**
   * Retries guessed, for calls that carry no request hash (other emitters): same model, prefix
   * hash and prompt size. A heuristic: different requests of one size and prefix count too.
   */
  retriesHeuristic: number;
  retryCostHeuristicUsd: string;
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
  retries_exact: z.coerce.number(),
  retry_cost_exact: z.string(),
  retries_heuristic: z.coerce.number(),
  retry_cost_heuristic: z.string(),
  retry_cost: z.string(),
  waste: z.coerce.number(),
});

/**
 * Failure cost by agent: cost of failed and abandoned tasks, of failed calls, and of retries.
 * A retry is a call of a task that repeats an earlier call of the same task. Where the emitter
 * records the request hash (`tokenwatch.request_hash`, Tokenwatch's instrumentation does), the
 * repeat is exact: the same request hash. Calls without one fall back to a heuristic, counted
 * apart: same model, prompt prefix hash and prompt size (input + cache read + cache write tokens),
 * which also matches different questions of one size. Calls outside any task are never retries.
 * The waste share counts each call once even when it is both a retry and part of a failed task.
 */
export async function getFailureCost(
  store: Store,
  params: { tenant: string; range: TimeRange },
): Promise<AgentFailureCost[]> {
  const waste = 'task_failed OR call_failed OR exact_retry OR heuristic_retry';
  const rows = await queryRows(store, {
    query: `SELECT agent,
        toString(sum(cost)) AS total,
        uniqExactIf(task_id, task_failed) AS failed_tasks,
        toString(sumIf(cost, task_failed)) AS failed_task_cost,
        countIf(call_failed) AS failed_calls,
        toString(sumIf(cost, call_failed)) AS failed_call_cost,
        countIf(exact_retry) AS retries_exact,
        toString(sumIf(cost, exact_retry)) AS retry_cost_exact,
        countIf(heuristic_retry) AS retries_heuristic,
        toString(sumIf(cost, heuristic_retry)) AS retry_cost_heuristic,
        toString(sumIf(cost, exact_retry OR heuristic_retry)) AS retry_cost,
        if(sum(cost) = 0, 0, toFloat64(sumIf(cost, ${waste})) / toFloat64(sum(cost))) AS waste
      FROM (
        SELECT c.agent AS agent, c.task_id AS task_id, ifNull(c.total_cost, 0) AS cost,
          c.status = 'error' AS call_failed,
          t.outcome IN ('failure', 'abandoned') AS task_failed,
          c.task_id != '' AND c.request_hash != '' AND row_number() OVER (
            PARTITION BY c.task_id, c.request_hash
            ORDER BY c.start_time, c.span_id) > 1 AS exact_retry,
          -- request_hash in the key keeps hashed calls out of the heuristic's groups.
          c.task_id != '' AND c.request_hash = '' AND row_number() OVER (
            PARTITION BY c.task_id, c.request_hash, c.model, c.prefix_hash,
              c.input_tokens + c.cache_read_tokens + c.cache_write_tokens
            ORDER BY c.start_time, c.span_id) > 1 AS heuristic_retry
        FROM ${TABLES.llmCalls} AS c
        LEFT JOIN (SELECT task_id, outcome FROM ${TABLES.tasks} FINAL WHERE tenant = {tenant: String}) AS t
          ON t.task_id = c.task_id
        WHERE c.tenant = {tenant: String}
          AND c.start_time >= {from: DateTime64(3, 'UTC')} AND c.start_time < {to: DateTime64(3, 'UTC')}
      )
      GROUP BY agent
      ORDER BY sumIf(cost, ${waste}) DESC, agent`,
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
    retries: r.retries_exact + r.retries_heuristic,
    retryCostUsd: r.retry_cost,
    retriesExact: r.retries_exact,
    retryCostExactUsd: r.retry_cost_exact,
    retriesHeuristic: r.retries_heuristic,
    retryCostHeuristicUsd: r.retry_cost_heuristic,
    wasteShare: r.waste,
  }));
}
