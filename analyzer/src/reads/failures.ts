import { z } from 'zod';
import { getFailureCost } from '../analytics/failures.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  DecimalText,
  firstRows,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** What failure cost one agent over the range (see `analytics/failures.ts` for each figure). */
export const AgentFailureCostSchema = z.object({
  agent: z.string(),
  totalCostUsd: DecimalText,
  failedTasks: Count,
  failedTaskCostUsd: DecimalText,
  failedCalls: Count,
  failedCallCostUsd: DecimalText,
  /** Exact and heuristic retries together. */
  retries: Count,
  retryCostUsd: DecimalText,
  /** Found by request hash. */
  retriesExact: Count,
  retryCostExactUsd: DecimalText,
  /** Guessed from model, prefix hash and prompt size, for calls without a request hash. */
  retriesHeuristic: Count,
  retryCostHeuristicUsd: DecimalText,
  /** Failed and retried spend over all spend, each call counted once. */
  wasteShare: z.number(),
});

/** What `failures` answers. */
export const FailuresResultSchema = z.object({
  range: RangeSchema,
  /** The most wasteful agents first. */
  agents: z.array(AgentFailureCostSchema),
  truncated: TruncatedSchema,
});

const defaults = { since: '7d', until: 'now', limit: String(ROW_LIMIT) } as const;

/** `failures`: cost of failed and abandoned tasks, failed calls and retries, by agent. */
export const failuresRead = defineRead({
  name: 'failures',
  path: '/failures',
  query: (context) => z.object({ ...rangeParams(context, defaults), limit: limitParam() }),
  defaults,
  result: FailuresResultSchema,
  async run({ store, tenant }, query) {
    const range = rangeOf(query);
    const agents = firstRows(await getFailureCost(store, { tenant, range }), query.limit);
    return { range, agents: agents.rows, truncated: truncations({ agents: agents.cut }) };
  },
  print: {
    tables: (result) => [
      {
        records: result.agents.map((a) => ({
          agent: a.agent,
          total_usd: a.totalCostUsd,
          failed_tasks: a.failedTasks,
          failed_task_usd: a.failedTaskCostUsd,
          failed_calls: a.failedCalls,
          retries: a.retries,
          // How each was found: by request hash, or guessed from prefix hash and prompt size.
          retries_exact: a.retriesExact,
          retries_heuristic: a.retriesHeuristic,
          retry_usd: a.retryCostUsd,
          waste_share: a.wasteShare.toFixed(3),
        })),
        truncated: result.truncated.agents,
      },
    ],
  },
});
