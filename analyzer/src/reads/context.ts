import { z } from 'zod';
import { getAgentContext, getContextGrowthPage } from '../analytics/context.ts';
import { getTaskCostRegressions } from '../analytics/regression.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  firstRows,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** How a session's context grew, call after call. */
export const SessionContextSchema = z.object({
  session: z.string(),
  agent: z.string(),
  calls: Count,
  /** Prompt tokens (input + cache read + cache write) of the first and last call. */
  firstPromptTokens: Count,
  lastPromptTokens: Count,
  maxPromptTokens: Count,
  /** Largest prompt over the model's context window (0 when the window is unknown). */
  maxUtilization: z.number(),
  compactions: Count,
  /** Close to the window and never compacted. */
  nearWindowWithoutCompaction: z.boolean(),
});

/** Per agent: output/input ratio and context-window utilization. */
export const AgentContextSchema = z.object({
  agent: z.string(),
  calls: Count,
  outputInputRatio: z.number(),
  meanUtilization: z.number(),
  maxUtilization: z.number(),
});

/** This week's cost per task of an agent against its previous four weeks. */
export const TaskCostRegressionSchema = z.object({
  agent: z.string(),
  tasks: Count,
  baselineTasks: Count,
  medianUsd: z.number(),
  baselineMedianUsd: z.number(),
  p90Usd: z.number(),
  baselineP90Usd: z.number(),
  ratio: z.number(),
  /** Mann-Whitney U, two-sided; null without enough tasks on both sides. */
  pValue: z.number().nullable(),
  regressed: z.boolean(),
});

/** What `context` answers. */
export const ContextResultSchema = z.object({
  range: RangeSchema,
  /** The largest sessions (by last prompt) first. */
  sessions: z.array(SessionContextSchema),
  agents: z.array(AgentContextSchema),
  /** Weeks ending at the end of the range. */
  taskCostRegressions: z.array(TaskCostRegressionSchema),
  truncated: TruncatedSchema,
});

const defaults = { since: '24h', until: 'now', limit: String(ROW_LIMIT) } as const;

/**
 * `context`: context growth in sessions, output/input ratio and window use by agent, and
 * cost-per-task regressions of the week ending with the range.
 */
export const contextRead = defineRead({
  name: 'context',
  path: '/context',
  query: (context) => z.object({ ...rangeParams(context, defaults), limit: limitParam() }),
  defaults,
  result: ContextResultSchema,
  async run({ store, tenant }, query) {
    const range = rangeOf(query);
    const sessions = await getContextGrowthPage(store, { tenant, range, top: query.limit });
    const agents = firstRows(await getAgentContext(store, { tenant, range }), query.limit);
    const regressions = firstRows(
      await getTaskCostRegressions(store, { tenant, now: range.to }),
      query.limit,
    );
    return {
      range,
      sessions: sessions.sessions,
      agents: agents.rows,
      taskCostRegressions: regressions.rows,
      truncated: truncations({
        sessions: { shown: sessions.sessions.length, total: sessions.total },
        agents: agents.cut,
        taskCostRegressions: regressions.cut,
      }),
    };
  },
  print: {
    tables: (result) => [
      {
        records: result.sessions.map((s) => ({
          session: s.session,
          agent: s.agent,
          calls: s.calls,
          first_prompt: s.firstPromptTokens,
          last_prompt: s.lastPromptTokens,
          max_window_use: s.maxUtilization.toFixed(2),
          compactions: s.compactions,
          near_window: s.nearWindowWithoutCompaction ? 'YES' : '',
        })),
        truncated: result.truncated.sessions,
      },
    ],
  },
});
