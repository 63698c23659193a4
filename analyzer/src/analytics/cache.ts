import type { Pricer } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { subtractDecimal, sumDecimals } from './decimal-text.ts';
import { chTime, type TimeRange } from './time-range.ts';

/** How long a provider keeps a written prompt prefix (Anthropic's default cache lifetime). */
export const CACHE_TTL_SECONDS = 300;
/** An agent whose prompt prefix changes on at least this share of calls within a conversation. */
export const CHURN_FLAG_RATIO = 0.5;

/** Cache efficiency of one agent over a range. */
export type AgentCacheStats = {
  agent: string;
  calls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** cache_read_tokens / (input_tokens + cache_read_tokens + cache_write_tokens). */
  hitRate: number;
  /** What the prompt tokens would have cost uncached, minus what they cost. Negative when writes cost more than reads saved. */
  savingsUsd: string;
  /** Calls of models without a price: their savings are not counted. */
  unpricedCalls: number;
  /** Cache writes whose prefix was not read back within the cache lifetime. */
  wastedWrites: { writes: number; tokens: number; costUsd: string };
  /** Share of calls with a new prompt prefix within a conversation (session, else task), averaged. */
  prefixChurn: number;
  conversations: number;
  /** The agent keeps changing its own prompt prefix (e.g. a timestamp in the system prompt). */
  breaksCache: boolean;
};

export type CacheReport = {
  range: TimeRange;
  hitRate: number;
  savingsUsd: string;
  agents: AgentCacheStats[];
};

const ModelRow = z.object({
  agent: z.string(),
  provider: z.string(),
  request_model: z.string(),
  response_model: z.string(),
  calls: z.coerce.number(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  prompt_cost: z.string(),
});
const WasteRow = z.object({
  agent: z.string(),
  writes: z.coerce.number(),
  tokens: z.coerce.number(),
  cost: z.string(),
});
const ChurnRow = z.object({
  agent: z.string(),
  conversations: z.coerce.number(),
  churn: z.coerce.number(),
});

/**
 * Cache hit rate, savings against no-cache prices, wasted cache writes and prompt-prefix churn,
 * per agent. Savings price the same prompt tokens as plain input with the same price data the
 * collector used (bundled data and overrides), at the end of the range.
 */
export async function getCacheEfficiency(
  store: Store,
  pricer: Pricer,
  params: { tenant: string; range: TimeRange },
): Promise<CacheReport> {
  const p = { tenant: params.tenant, from: chTime(params.range.from), to: chTime(params.range.to) };
  const inRange = `tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}`;
  const models = await queryRows(store, {
    query: `SELECT agent, provider, request_model, response_model, count() AS calls,
        sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_tokens) AS cache_write_tokens,
        toString(sum(ifNull(input_cost, 0) + ifNull(cache_read_cost, 0) + ifNull(cache_write_cost, 0))) AS prompt_cost
      FROM ${TABLES.llmCalls} WHERE ${inRange} AND NOT usage_missing
      GROUP BY agent, provider, request_model, response_model`,
    params: p,
    schema: ModelRow,
    settings: { max_execution_time: 60 },
  });
  // A write is wasted when no read of the same prefix follows within the cache lifetime: the next
  // read of that prefix is found with an ASOF join.
  const waste = await queryRows(store, {
    query: `SELECT w.agent AS agent, count() AS writes, sum(w.cache_write_tokens) AS tokens,
        toString(sum(ifNull(w.cache_write_cost, 0))) AS cost
      FROM (SELECT agent, prefix_hash, start_time, cache_write_tokens, cache_write_cost
            FROM ${TABLES.llmCalls} WHERE ${inRange} AND cache_write_tokens > 0 AND prefix_hash != '') AS w
      ASOF LEFT JOIN (SELECT agent, prefix_hash, start_time AS read_time
            FROM ${TABLES.llmCalls}
            WHERE tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')}
              AND start_time < {to: DateTime64(3, 'UTC')} + toIntervalSecond(${CACHE_TTL_SECONDS})
              AND cache_read_tokens > 0 AND prefix_hash != '') AS r
        ON w.agent = r.agent AND w.prefix_hash = r.prefix_hash AND r.read_time > w.start_time
      WHERE r.read_time = toDateTime64(0, 9) OR r.read_time > w.start_time + toIntervalSecond(${CACHE_TTL_SECONDS})
      GROUP BY agent
      SETTINGS join_use_nulls = 0`,
    params: p,
    schema: WasteRow,
    settings: { max_execution_time: 60 },
  });
  const churn = await queryRows(store, {
    query: `SELECT agent, count() AS conversations, avg(changes / calls) AS churn
      FROM (SELECT agent, if(session_id != '', session_id, task_id) AS conversation, count() AS calls,
              uniqExact(prefix_hash) - 1 AS changes
            FROM ${TABLES.llmCalls} WHERE ${inRange} AND prefix_hash != ''
            GROUP BY agent, conversation HAVING calls >= 3)
      GROUP BY agent`,
    params: p,
    schema: ChurnRow,
    settings: { max_execution_time: 60 },
  });

  const at = BigInt(params.range.to.getTime()) * 1_000_000n;
  const agents = new Map<string, AgentCacheStats>();
  const savings = new Map<string, string[]>();
  for (const m of models) {
    const a = agents.get(m.agent) ?? emptyAgent(m.agent);
    a.calls += m.calls;
    a.inputTokens += m.input_tokens;
    a.cacheReadTokens += m.cache_read_tokens;
    a.cacheWriteTokens += m.cache_write_tokens;
    agents.set(m.agent, a);
    const uncached = pricer.price({
      provider: m.provider,
      requestModel: m.request_model,
      responseModel: m.response_model,
      startTimeNs: at,
      inputTokens: m.input_tokens + m.cache_read_tokens + m.cache_write_tokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
    if (!uncached.priced || uncached.inputCost === null) {
      a.unpricedCalls += m.calls;
      continue;
    }
    savings.set(m.agent, [
      ...(savings.get(m.agent) ?? []),
      subtractDecimal(uncached.inputCost, m.prompt_cost),
    ]);
  }
  for (const w of waste) {
    const a = agents.get(w.agent);
    if (a) a.wastedWrites = { writes: w.writes, tokens: w.tokens, costUsd: w.cost };
  }
  for (const c of churn) {
    const a = agents.get(c.agent);
    if (!a) continue;
    a.prefixChurn = c.churn;
    a.conversations = c.conversations;
    a.breaksCache = c.churn >= CHURN_FLAG_RATIO;
  }
  for (const a of agents.values()) {
    a.hitRate = hitRate(a);
    a.savingsUsd = sumDecimals(savings.get(a.agent) ?? []);
  }
  const list = [...agents.values()].sort((x, y) => x.agent.localeCompare(y.agent));
  const total = { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const a of list) {
    total.inputTokens += a.inputTokens;
    total.cacheReadTokens += a.cacheReadTokens;
    total.cacheWriteTokens += a.cacheWriteTokens;
  }
  return {
    range: params.range,
    hitRate: hitRate(total),
    savingsUsd: sumDecimals(list.map((a) => a.savingsUsd)),
    agents: list,
  };
}

function hitRate(a: {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}): number {
  const prompt = a.inputTokens + a.cacheReadTokens + a.cacheWriteTokens;
  return prompt === 0 ? 0 : a.cacheReadTokens / prompt;
}

function emptyAgent(agent: string): AgentCacheStats {
  return {
    agent,
    calls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    hitRate: 0,
    savingsUsd: '0',
    unpricedCalls: 0,
    wastedWrites: { writes: 0, tokens: 0, costUsd: '0' },
    prefixChurn: 0,
    conversations: 0,
    breaksCache: false,
  };
}
