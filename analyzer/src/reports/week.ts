import {
  addDays,
  isoWeekday,
  type LocalDate,
  localDateAt,
  startOfLocalDay,
} from '../shared/zoned-time.ts';

/** One ISO week in a time zone: `[from, to)` instants and its label, e.g. `2026-W47`. */
export type ReportWeek = { label: string; from: Date; to: Date; timezone: string };

const WEEK = /^(\d{4})-W(\d{2})$/;

/** Monday of ISO week 1 of `year`: the week holding January 4th. */
function firstMonday(year: number): LocalDate {
  const jan4: LocalDate = { year, month: 1, day: 4 };
  return addDays(jan4, 1 - isoWeekday(jan4));
}

function weeksInYear(year: number): number {
  const next = firstMonday(year + 1);
  const first = firstMonday(year);
  return Math.round((Date.UTC(next.year, next.month - 1, next.day) - utc(first)) / 604_800_000);
}

const utc = (d: LocalDate) => Date.UTC(d.year, d.month - 1, d.day);

function weekFromMonday(monday: LocalDate, timezone: string): ReportWeek {
  // The ISO year is the year of the week's Thursday.
  const thursday = addDays(monday, 3);
  const number = Math.round((utc(monday) - utc(firstMonday(thursday.year))) / 604_800_000) + 1;
  return {
    label: `${thursday.year}-W${String(number).padStart(2, '0')}`,
    from: new Date(startOfLocalDay(monday, timezone)),
    to: new Date(startOfLocalDay(addDays(monday, 7), timezone)),
    timezone,
  };
}

/**
 * Parses `--week 2026-W47` into the week's local Monday-midnight bounds in `timezone`. Weeks on a
 * DST change last 167 or 169 hours. Throws on anything but `YYYY-Www` with an existing week.
 *
 * @example
 * parseIsoWeek('2026-W47', 'UTC'); // { from: 2026-11-16T00:00Z, to: 2026-11-23T00:00Z, … }
 */
export function parseIsoWeek(value: string, timezone: string): ReportWeek {
  const match = WEEK.exec(value.trim());
  const year = Number(match?.[1]);
  const week = Number(match?.[2]);
  if (!match || week < 1 || week > weeksInYear(year)) {
    throw new Error(`not an ISO week: ${JSON.stringify(value)} (use e.g. 2026-W47)`);
  }
  return weekFromMonday(addDays(firstMonday(year), (week - 1) * 7), timezone);
}

/** The ISO week holding instant `at` in `timezone`. */
export function isoWeekAt(at: Date, timezone: string): ReportWeek {
  const today = localDateAt(at.getTime(), timezone);
  return weekFromMonday(addDays(today, 1 - isoWeekday(today)), timezone);
}

/** The last complete ISO week before instant `at`: what a weekly report covers by default. */
export function lastCompleteWeek(at: Date, timezone: string): ReportWeek {
  const current = isoWeekAt(at, timezone);
  return isoWeekAt(new Date(current.from.getTime() - 1), timezone);
}

/**
 * The range `weeks` calendar weeks before `[from, to)` in `timezone` (same local weekday and
 * time), so a previous week across a DST change is still Monday to Monday.
 */
export function shiftWeeks(
  range: { from: Date; to: Date },
  weeks: number,
  timezone: string,
): { from: Date; to: Date } {
  const shift = (d: Date) => {
    const local = localDateAt(d.getTime(), timezone);
    const intoDay = d.getTime() - startOfLocalDay(local, timezone);
    return new Date(startOfLocalDay(addDays(local, 7 * weeks), timezone) + intoDay);
  };
  return { from: shift(range.from), to: shift(range.to) };
}

/**
 * The local days `[from, to)` covers in `timezone`, each with its part of the range: from its
 * first instant (or `from`) to the next day's (or `to`).
 */
export function localDayRanges(
  range: { from: Date; to: Date },
  timezone: string,
): { date: string; from: Date; to: Date }[] {
  const days: { date: string; from: Date; to: Date }[] = [];
  let day = localDateAt(range.from.getTime(), timezone);
  let start = Math.max(startOfLocalDay(day, timezone), range.from.getTime());
  while (start < range.to.getTime()) {
    const next = addDays(day, 1);
    const end = Math.min(startOfLocalDay(next, timezone), range.to.getTime());
    days.push({ date: formatLocalDate(day), from: new Date(start), to: new Date(end) });
    day = next;
    start = end;
  }
  return days;
}

/** `YYYY-MM-DD`. */
export function formatLocalDate(d: LocalDate): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
