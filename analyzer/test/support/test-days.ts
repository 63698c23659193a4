/**
 * @module
 * Recent local days for the budget tests. Data must be recent (the store's TTL drops rows older
 * than 400 days), so the tests pick their days relative to today instead of hard-coding dates.
 */
import { addDays, localDateAt, startOfLocalDay } from '../../src/shared/zoned-time.ts';

const HOUR_MS = 3_600_000;

/** A local day as `[start, end)` epoch milliseconds. */
export type Day = { start: number; end: number };

function dayAgo(daysAgo: number, timeZone: string): Day {
  const date = addDays(localDateAt(Date.now(), timeZone), -daysAgo);
  return {
    start: startOfLocalDay(date, timeZone),
    end: startOfLocalDay(addDays(date, 1), timeZone),
  };
}

/** The most recent 24-hour day at least `minDaysAgo` back whose next day also has 24 hours. */
export function recentPlainDay(timeZone: string, minDaysAgo: number): Day {
  for (let back = minDaysAgo; back < minDaysAgo + 30; back++) {
    const day = dayAgo(back, timeZone);
    const next = dayAgo(back - 1, timeZone);
    if (day.end - day.start === 24 * HOUR_MS && next.end - next.start === 24 * HOUR_MS) return day;
  }
  throw new Error('no plain day found');
}

/** The most recent day with a DST change (23 or 25 hours) at least two days back. */
export function recentDstDay(timeZone: string): Day {
  for (let back = 2; back < 370; back++) {
    const day = dayAgo(back, timeZone);
    if (day.end - day.start !== 24 * HOUR_MS) return day;
  }
  throw new Error(`${timeZone} has no DST change in the last year`);
}
