import { z } from 'zod';
import { getCacheEfficiency } from '../analytics/cache.ts';
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

/** Cache efficiency of one agent over the range. */
export const AgentCacheStatsSchema = z.object({
  agent: z.string(),
  calls: Count,
  inputTokens: Count,
  cacheReadTokens: Count,
  cacheWriteTokens: Count,
  /** cache_read_tokens / (input_tokens + cache_read_tokens + cache_write_tokens). */
  hitRate: z.number(),
  /** What the prompt tokens would have cost uncached, minus what they cost. */
  savingsUsd: DecimalText,
  /** Calls of models without a price: their savings are not counted. */
  unpricedCalls: Count,
  /** Cache writes whose prefix was not read back within the cache lifetime. */
  wastedWrites: z.object({ writes: Count, tokens: Count, costUsd: DecimalText }),
  /** Share of calls with a new prompt prefix within a conversation, averaged. */
  prefixChurn: z.number(),
  conversations: Count,
  /** The agent keeps changing its own prompt prefix. */
  breaksCache: z.boolean(),
});

/** What `cache` answers: the totals are over every agent, listed or not. */
export const CacheResultSchema = z.object({
  range: RangeSchema,
  hitRate: z.number(),
  savingsUsd: DecimalText,
  /** By agent name. */
  agents: z.array(AgentCacheStatsSchema),
  truncated: TruncatedSchema,
});

const defaults = { since: '7d', until: 'now', limit: String(ROW_LIMIT) } as const;

/**
 * `cache`: cache hit rate, savings against uncached prices (with the prices in effect), wasted
 * cache writes and agents that break their own cache.
 */
export const cacheRead = defineRead({
  name: 'cache',
  path: '/cache',
  query: (context) => z.object({ ...rangeParams(context, defaults), limit: limitParam() }),
  defaults,
  result: CacheResultSchema,
  async run({ store, settings, tenant }, query) {
    const report = await getCacheEfficiency(store, settings.pricer, {
      tenant,
      range: rangeOf(query),
    });
    const agents = firstRows(report.agents, query.limit);
    return { ...report, agents: agents.rows, truncated: truncations({ agents: agents.cut }) };
  },
  print: {
    tables: (report) => [
      {
        records: report.agents.map((a) => ({
          agent: a.agent,
          hit_rate: a.hitRate.toFixed(3),
          savings_usd: a.savingsUsd,
          wasted_writes: a.wastedWrites.writes,
          wasted_usd: a.wastedWrites.costUsd,
          prefix_churn: a.prefixChurn.toFixed(2),
          breaks_cache: a.breaksCache ? 'YES' : '',
        })),
        truncated: report.truncated.agents,
      },
    ],
  },
});
