import { z } from 'zod';
import { getTaskPage, getTaskStatsByAgent } from '../analytics/tasks.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  DecimalText,
  firstRows,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  rowCountParam,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** Outcomes a task can end with (`unknown` when no task span said). */
export const TASK_OUTCOMES = ['success', 'failure', 'partial', 'abandoned', 'unknown'] as const;

/** One task: what it cost and how it ended. */
export const TaskCostSchema = z.object({
  taskId: z.string(),
  name: z.string(),
  agent: z.string(),
  outcome: z.string(),
  calls: Count,
  inputTokens: Count,
  cacheReadTokens: Count,
  cacheWriteTokens: Count,
  outputTokens: Count,
  costUsd: DecimalText,
  durationSeconds: z.number(),
  /** The task's start as the store writes it. */
  start: z.string(),
});

/** Cost distribution of an agent's tasks, and what a successful one costs. */
export const AgentTaskStatsSchema = z.object({
  agent: z.string(),
  tasks: Count,
  successes: Count,
  failures: Count,
  totalCostUsd: DecimalText,
  p50CostUsd: z.number(),
  p90CostUsd: z.number(),
  p99CostUsd: z.number(),
  /** All task cost of the agent over its successful tasks; null when nothing succeeded. */
  costPerSuccessfulTaskUsd: DecimalText.nullable(),
});

/** What `tasks` answers. */
export const TasksResultSchema = z.object({
  range: RangeSchema,
  /** The most expensive tasks first. */
  tasks: z.array(TaskCostSchema),
  agents: z.array(AgentTaskStatsSchema),
  truncated: TruncatedSchema,
});

const defaults = { since: '7d', until: 'now', limit: String(ROW_LIMIT) } as const;

/** `tasks`: the most expensive tasks with their outcomes, and cost per successful task by agent. */
export const tasksRead = defineRead({
  name: 'tasks',
  path: '/tasks',
  query: (context) =>
    z
      .object({
        ...rangeParams(context, defaults),
        // No default here: `top`, the older name of `limit`, applies when `limit` is not given.
        limit: rowCountParam().optional(),
        top: rowCountParam().optional(),
        outcome: z.enum(TASK_OUTCOMES).optional(),
        agent: z.string().optional(),
      })
      .transform(({ top, limit, ...query }) => ({
        ...query,
        limit: limit ?? top ?? ROW_LIMIT,
      })),
  defaults,
  result: TasksResultSchema,
  async run({ store, tenant }, query) {
    const range = rangeOf(query);
    const page = await getTaskPage(store, {
      tenant,
      range,
      top: query.limit,
      outcome: query.outcome,
      agent: query.agent,
    });
    const agents = firstRows(
      await getTaskStatsByAgent(store, { tenant, range, agent: query.agent }),
      query.limit,
    );
    return {
      range,
      tasks: page.tasks,
      agents: agents.rows,
      truncated: truncations({
        tasks: { shown: page.tasks.length, total: page.total },
        agents: agents.cut,
      }),
    };
  },
  print: {
    tables: (result) => [
      {
        records: result.tasks.map((t) => ({
          task: t.taskId,
          agent: t.agent,
          outcome: t.outcome,
          calls: t.calls,
          cost_usd: t.costUsd,
          seconds: t.durationSeconds,
        })),
        truncated: result.truncated.tasks,
      },
      {
        records: result.agents.map((a) => ({
          agent: a.agent,
          tasks: a.tasks,
          successes: a.successes,
          failures: a.failures,
          total_usd: a.totalCostUsd,
          p50_usd: a.p50CostUsd,
          p90_usd: a.p90CostUsd,
          per_success_usd: a.costPerSuccessfulTaskUsd ?? '',
        })),
        truncated: result.truncated.agents,
      },
    ],
  },
});
