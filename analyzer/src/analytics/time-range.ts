import { toChDateTime64ms } from '../shared/duration.ts';
import { parseTime, type TimeEdge } from '../shared/time-grammar.ts';

/** A half-open time range [from, to). */
export type TimeRange = { from: Date; to: Date };

/**
 * Parses a time value of the shared grammar (`shared/time-grammar.ts`): `15m`, `7d`, `2w`, `today`,
 * `2026-12-01`, `2026-W49`, an ISO time. Periods resolve to their start, or to their end with
 * `edge: 'end'` (for the end of a range). Throws with the accepted forms on anything else.
 */
export function parseSince(
  value: string,
  now: Date = new Date(),
  timezone = 'UTC',
  edge: TimeEdge = 'start',
): Date {
  return parseTime(value, { now, timezone, edge });
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
