/**
 * @module
 * Calendar arithmetic in IANA time zones without a date library: `Intl.DateTimeFormat` tells the
 * local date of an instant, and a day's first instant is found by bisection. Bisection, rather than
 * "UTC midnight minus the offset", stays right on DST days and in zones whose clocks skip midnight.
 */

/** A calendar date: month 1–12, day 1–31. */
export type LocalDate = { year: number; month: number; day: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An `en-US` formatter of numeric parts in `timeZone`, made once per zone and set of parts:
 * building one costs far more than formatting with it.
 */
export function zonedFormatter(
  timeZone: string,
  parts: 'date' | 'date-time' = 'date',
): Intl.DateTimeFormat {
  const key = `${parts} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const time = parts === 'date-time';
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      ...(time ? { hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

const formatter = (timeZone: string) => zonedFormatter(timeZone);

/** The local date at instant `ms` in `timeZone`. */
export function localDateAt(ms: number, timeZone: string): LocalDate {
  const date: LocalDate = { year: 0, month: 0, day: 0 };
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type === 'year') date.year = Number(part.value);
    else if (part.type === 'month') date.month = Number(part.value);
    else if (part.type === 'day') date.day = Number(part.value);
  }
  return date;
}

/** The date `days` after `date` (negative goes back); months and years roll over. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Day of the week of a date: 1 = Monday … 7 = Sunday (ISO 8601). */
export function isoWeekday(date: LocalDate): number {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return day === 0 ? 7 : day;
}

const dateKey = (d: LocalDate) => d.year * 10_000 + d.month * 100 + d.day;

/**
 * The first instant (epoch ms, whole seconds) of a local date: its midnight, or the end of the
 * DST gap when the clocks skip midnight.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  const target = dateKey(date);
  const utcMidnight = Date.UTC(date.year, date.month - 1, date.day);
  // UTC offsets lie within −12 h … +14 h, so the day starts inside this bracket.
  let lo = utcMidnight / 1000 - 15 * 3600; // local date before the target
  let hi = utcMidnight / 1000 + 13 * 3600; // local date on or after the target
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dateKey(localDateAt(mid * 1000, timeZone)) >= target) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** Calendar budget periods. */
export type CalendarPeriodKind = 'daily' | 'weekly' | 'monthly';

/**
 * The calendar period holding instant `ms` in `timeZone`, as `[start, end)` epoch milliseconds:
 * a local day, an ISO week starting Monday, or a month from the 1st. DST days last 23 or 25 hours.
 *
 * @example
 * calendarPeriodAt('daily', Date.parse('2026-11-01T12:00:00Z'), 'America/New_York');
 * // { start: 2026-11-01T04:00Z, end: 2026-11-02T05:00Z } (a 25-hour day)
 */
export function calendarPeriodAt(
  kind: CalendarPeriodKind,
  ms: number,
  timeZone: string,
): { start: number; end: number } {
  const today = localDateAt(ms, timeZone);
  let first: LocalDate;
  let next: LocalDate;
  if (kind === 'daily') {
    first = today;
    next = addDays(today, 1);
  } else if (kind === 'weekly') {
    first = addDays(today, 1 - isoWeekday(today));
    next = addDays(first, 7);
  } else {
    first = { year: today.year, month: today.month, day: 1 };
    next =
      today.month === 12
        ? { year: today.year + 1, month: 1, day: 1 }
        : { year: today.year, month: today.month + 1, day: 1 };
  }
  return { start: startOfLocalDay(first, timeZone), end: startOfLocalDay(next, timeZone) };
}
