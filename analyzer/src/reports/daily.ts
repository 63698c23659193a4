import { Decimal } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { getCost } from '../analytics/cost.ts';
import type { TimeRange } from '../analytics/time-range.ts';
import type { WeeklyReport } from './schema.ts';
import { localDayRanges } from './week.ts';

/**
 * Spend per local day and team, and the day's cache hit rate, for the charts and the data
 * completeness check. Every day of the week is listed. Each day is `getCost` by team over that
 * day (what `tokenwatch cost --by team` gives for it), so the days add up to the week's total.
 * Days that have not begun at `now` are marked so and read nothing: no zero spend, no 0% hit rate.
 */
export async function getDailySeries(
  store: Store,
  params: { tenant: string; range: TimeRange; timezone: string; now: Date },
): Promise<WeeklyReport['daily']> {
  const out: WeeklyReport['daily'] = [];
  for (const day of localDayRanges(params.range, params.timezone)) {
    if (day.from.getTime() > params.now.getTime()) {
      out.push({
        date: day.date,
        elapsed: false,
        costUsd: '0',
        calls: 0,
        byTeam: {},
        hitRate: null,
      });
      continue;
    }
    const { rows } = await getCost(store, {
      tenant: params.tenant,
      range: { from: day.from, to: day.to },
      by: ['team'],
      limit: 10_000,
    });
    let cost = Decimal.ZERO;
    let prompt = 0;
    let read = 0;
    const byTeam: Record<string, string> = {};
    for (const r of rows) {
      cost = cost.plus(Decimal.from(r.costUsd));
      prompt += r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens;
      read += r.cacheReadTokens;
      byTeam[r.key.team ?? ''] = r.costUsd;
    }
    out.push({
      date: day.date,
      elapsed: true,
      costUsd: cost.format(),
      calls: rows.reduce((n, r) => n + r.calls, 0),
      byTeam,
      // The cache verb's definition; a day without prompt tokens has no rate (not 0%).
      hitRate: prompt === 0 ? null : read / prompt,
    });
  }
  return out;
}
