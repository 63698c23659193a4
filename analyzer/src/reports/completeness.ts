import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime, type TimeRange } from '../analytics/time-range.ts';
import type { WeeklyReport } from './schema.ts';
import { shiftWeeks } from './week.ts';

const HOUR = 3_600_000;
/** Past weeks an hour is compared with, and how many of them must have had data there. */
const PAST_WEEKS = 4;
const USUALLY = 3;

const HourRow = z.object({ hour_ms: z.coerce.number(), calls: z.coerce.number() });
const RejectionRow = z.object({
  reason: z.string(),
  spans: z.coerce.number(),
  requests: z.coerce.number(),
});

/**
 * Where the week's data may be incomplete: ingest gaps and what the collector refused.
 *
 * A gap is a run of hours without a single call where at least three of the four previous weeks
 * had calls in the same hour of the week. Comparing with the same hour of past weeks keeps quiet
 * nights and weekends of office-hours agents from reading as outages; hours after `now` are not
 * looked at. Rejections are the spans
 * and requests the collector refused (malformed, over limits), recorded per minute.
 */
export async function getCompleteness(
  store: Store,
  params: { tenant: string; range: TimeRange; timezone: string; now?: Date },
): Promise<
  Pick<WeeklyReport['completeness'], 'gaps' | 'rejectedSpans' | 'rejectedRequests' | 'rejections'>
> {
  const { tenant, range, timezone } = params;
  const weeks = [range, ...[1, 2, 3, 4].map((w) => shiftWeeks(range, -w, timezone))];
  // The per-minute rollup is enough here: a duplicate it may count never turns a gap into data.
  const hours = await queryRows(store, {
    query: `SELECT toUnixTimestamp(toStartOfHour(minute)) * 1000 AS hour_ms, sum(calls) AS calls
      FROM ${TABLES.usage1m}
      WHERE tenant = {tenant: String}
        AND minute >= {from: DateTime64(3, 'UTC')} AND minute < {to: DateTime64(3, 'UTC')}
      GROUP BY hour_ms`,
    params: { tenant, from: chTime(weeks[PAST_WEEKS]!.from), to: chTime(range.to) },
    schema: HourRow,
  });
  const busy = new Set(hours.filter((h) => h.calls > 0).map((h) => h.hour_ms));
  const gaps: WeeklyReport['completeness']['gaps'] = [];
  // Hours not over yet are not gaps (a report of the running week).
  const end = Math.min(range.to.getTime(), params.now?.getTime() ?? Number.POSITIVE_INFINITY);
  const hoursInWeek = Math.max(0, Math.floor((end - range.from.getTime()) / HOUR));
  let open: { from: number; hours: number } | undefined;
  for (let h = 0; h < hoursInWeek; h++) {
    const at = range.from.getTime() + h * HOUR;
    let usual = 0;
    for (const past of weeks.slice(1)) if (busy.has(past.from.getTime() + h * HOUR)) usual++;
    const gap = !busy.has(at) && usual >= USUALLY;
    if (gap) open = open ? { ...open, hours: open.hours + 1 } : { from: at, hours: 1 };
    if ((!gap || h === hoursInWeek - 1) && open) {
      gaps.push({
        from: new Date(open.from).toISOString(),
        to: new Date(open.from + open.hours * HOUR).toISOString(),
        hours: open.hours,
      });
      open = undefined;
    }
  }

  const rejections = await queryRows(store, {
    query: `SELECT reason, sum(spans) AS spans, sum(requests) AS requests
      FROM ${TABLES.ingestRejections}
      WHERE tenant = {tenant: String}
        AND minute >= {from: DateTime64(3, 'UTC')} AND minute < {to: DateTime64(3, 'UTC')}
      GROUP BY reason ORDER BY spans DESC, requests DESC, reason`,
    params: { tenant, from: chTime(range.from), to: chTime(range.to) },
    schema: RejectionRow,
  });
  return {
    gaps,
    rejectedSpans: rejections.reduce((n, r) => n + r.spans, 0),
    rejectedRequests: rejections.reduce((n, r) => n + r.requests, 0),
    rejections,
  };
}
