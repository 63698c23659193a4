/** A half-open time range [from, to). */
export type TimeRange = { from: Date; to: Date };

const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses `--since` values: a relative duration (`90s`, `15m`, `24h`, `7d`, `2w`) back from `now`,
 * or an ISO date/time. Throws with the accepted forms on anything else.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const relative = /^(\d+)([smhdw])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!]!);
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
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
