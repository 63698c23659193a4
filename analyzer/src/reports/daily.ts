import { Decimal } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime, type TimeRange } from '../analytics/time-range.ts';
import type { WeeklyReport } from './schema.ts';
import { localDays } from './week.ts';

const DayRow = z.object({
  day: z.string(),
  team: z.string(),
  calls: z.coerce.number(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  cost: z.string(),
});

/**
 * Spend per local day and team, and the day's cache hit rate, for the charts and the data
 * completeness check. Every day of the week is listed, days without calls with zeros.
 */
export async function getDailySeries(
  store: Store,
  params: { tenant: string; range: TimeRange; timezone: string },
): Promise<WeeklyReport['daily']> {
  const rows = await queryRows(store, {
    query: `SELECT toString(toDate(start_time, {tz: String})) AS day, team, count() AS calls,
        sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_tokens) AS cache_write_tokens, toString(sum(ifNull(total_cost, 0))) AS cost
      FROM ${TABLES.llmCalls} FINAL
      WHERE tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      GROUP BY day, team ORDER BY day, team`,
    params: {
      tenant: params.tenant,
      tz: params.timezone,
      from: chTime(params.range.from),
      to: chTime(params.range.to),
    },
    schema: DayRow,
    settings: { max_execution_time: 60 },
  });
  return localDays(params.range, params.timezone).map((date) => {
    const today = rows.filter((r) => r.day === date);
    let cost = Decimal.ZERO;
    let prompt = 0;
    let read = 0;
    const byTeam: Record<string, string> = {};
    for (const r of today) {
      cost = cost.plus(Decimal.from(r.cost));
      prompt += r.input_tokens + r.cache_read_tokens + r.cache_write_tokens;
      read += r.cache_read_tokens;
      byTeam[r.team] = r.cost;
    }
    return {
      date,
      costUsd: cost.format(),
      calls: today.reduce((n, r) => n + r.calls, 0),
      byTeam,
      hitRate: prompt === 0 ? 0 : read / prompt,
    };
  });
}
