import { parseDuration, toChDateTime64ms } from '../shared/duration.ts';

/** A half-open time range [from, to). */
export type TimeRange = { from: Date; to: Date };

/**
 * Parses `--since` values: a relative duration (`90s`, `15m`, `24h`, `7d`, `2w`) back from `now`,
 * or an ISO date/time. Throws with the accepted forms on anything else.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  // Weeks are days here; config durations stop at days.
  const weeks = /^(\d+)w$/.exec(text);
  const duration = weeks ? `${Number(weeks[1]) * 7}d` : text;
  if (/^\d+[smhd]$/.test(duration)) return new Date(now.getTime() - parseDuration(duration));
  const absolute = new Date(value);
  if (Number.isNaN(absolute.getTime())) {
    throw new Error(`not a time: ${JSON.stringify(value)} (use 15m, 24h, 7d, 2w or an ISO date)`);
  }
  return absolute;
}

/** The range of the same length just before `range`, for period-over-period deltas. */
export function previousRange(range: TimeRange): TimeRange {
  const length = range.to.getTime() - range.from.getTime();
  return { from: new Date(range.from.getTime() - length), to: range.from };
}

/** A Date as a ClickHouse `DateTime64(3)` parameter value in UTC. */
export function chTime(date: Date): string {
  return toChDateTime64ms(date.getTime());
}
