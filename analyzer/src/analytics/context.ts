import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime, type TimeRange } from './time-range.ts';

/** Utilization of the model's window at which a session is close to running out. */
export const NEAR_WINDOW = 0.85;
/** A drop of the prompt by this share between successive calls counts as compaction. */
export const COMPACTION_DROP = 0.3;

/** How a session's context grew, call after call. */
export type SessionContext = {
  session: string;
  agent: string;
  calls: number;
  /** Prompt tokens (input + cache read + cache write) of the first and last call. */
  firstPromptTokens: number;
  lastPromptTokens: number;
  maxPromptTokens: number;
  /** Largest prompt over the model's context window (0 when the window is unknown). */
  maxUtilization: number;
  compactions: number;
  /** Close to the window and never compacted: the next calls will fail or truncate. */
  nearWindowWithoutCompaction: boolean;
};

/** Per agent: output/input ratio and context-window utilization. */
export type AgentContext = {
  agent: string;
  calls: number;
  /** Output tokens over prompt tokens. */
  outputInputRatio: number;
  meanUtilization: number;
  maxUtilization: number;
};

const SessionRow = z.object({
  session: z.string(),
  agent: z.string(),
  calls: z.coerce.number(),
  prompts: z.array(z.coerce.number()),
  windows: z.array(z.coerce.number()),
  total: z.coerce.number(),
});

type ContextParams = { tenant: string; range: TimeRange; top?: number };

/**
 * Context growth within sessions, the top cost driver in long agent sessions: the prompt size of
 * successive calls, and sessions that approach the model's window without ever compacting. The
 * largest sessions (by last prompt) first.
 */
export async function getContextGrowth(
  store: Store,
  params: ContextParams,
): Promise<SessionContext[]> {
  return (await getContextGrowthPage(store, params)).sessions;
}

/**
 * The `top` largest sessions (50 without it), as {@link getContextGrowth}, and how many sessions
 * the range has in all, so a caller can say how many it left out.
 */
export async function getContextGrowthPage(
  store: Store,
  params: ContextParams,
): Promise<{ sessions: SessionContext[]; total: number }> {
  const rows = await queryRows(store, {
    // The window count is taken before LIMIT: every session in the range.
    query: `SELECT session_id AS session, argMax(agent, (start_time, span_id)) AS agent, count() AS calls,
        arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((start_time, input_tokens + cache_read_tokens + cache_write_tokens)))) AS prompts,
        arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((start_time, context_window)))) AS windows,
        count() OVER () AS total
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String} AND session_id != '' AND NOT usage_missing
        AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      GROUP BY session_id
      ORDER BY max(input_tokens + cache_read_tokens + cache_write_tokens) DESC
      LIMIT {top: UInt32}`,
    params: {
      tenant: params.tenant,
      from: chTime(params.range.from),
      to: chTime(params.range.to),
      top: params.top ?? 50,
    },
    schema: SessionRow,
    settings: { max_execution_time: 60 },
  });
  const sessions = rows.map((r) => {
    let compactions = 0;
    let maxUtilization = 0;
    for (let i = 0; i < r.prompts.length; i++) {
      const prompt = r.prompts[i]!;
      const window = r.windows[i] ?? 0;
      if (window > 0) maxUtilization = Math.max(maxUtilization, prompt / window);
      if (i > 0 && prompt < r.prompts[i - 1]! * (1 - COMPACTION_DROP)) compactions++;
    }
    return {
      session: r.session,
      agent: r.agent,
      calls: r.calls,
      firstPromptTokens: r.prompts[0] ?? 0,
      lastPromptTokens: r.prompts.at(-1) ?? 0,
      maxPromptTokens: Math.max(0, ...r.prompts),
      maxUtilization,
      compactions,
      nearWindowWithoutCompaction: maxUtilization >= NEAR_WINDOW && compactions === 0,
    };
  });
  return { sessions, total: rows[0]?.total ?? 0 };
}

const AgentRow = z.object({
  agent: z.string(),
  calls: z.coerce.number(),
  ratio: z.coerce.number(),
  mean_util: z.coerce.number(),
  max_util: z.coerce.number(),
});

/** Output/input ratio and context-window utilization per agent. */
export async function getAgentContext(
  store: Store,
  params: { tenant: string; range: TimeRange },
): Promise<AgentContext[]> {
  const rows = await queryRows(store, {
    query: `SELECT agent, count() AS calls,
        if(sum(input_tokens + cache_read_tokens + cache_write_tokens) = 0, 0,
          sum(output_tokens) / sum(input_tokens + cache_read_tokens + cache_write_tokens)) AS ratio,
        ifNull(avgIf((input_tokens + cache_read_tokens + cache_write_tokens) / context_window, context_window > 0), 0) AS mean_util,
        ifNull(maxIf((input_tokens + cache_read_tokens + cache_write_tokens) / context_window, context_window > 0), 0) AS max_util
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String} AND NOT usage_missing
        AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      GROUP BY agent ORDER BY agent`,
    params: { tenant: params.tenant, from: chTime(params.range.from), to: chTime(params.range.to) },
    schema: AgentRow,
    settings: { max_execution_time: 60 },
  });
  return rows.map((r) => ({
    agent: r.agent,
    calls: r.calls,
    outputInputRatio: r.ratio,
    meanUtilization: Number.isFinite(r.mean_util) ? r.mean_util : 0,
    maxUtilization: Number.isFinite(r.max_util) ? r.max_util : 0,
  }));
}
