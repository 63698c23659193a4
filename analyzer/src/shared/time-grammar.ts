/**
 * @module
 * One grammar for every time flag (`--since`, `--until`, `--at`, `report --from/--to`,
 * `reprice --since`) and the API's time parameters, so a value accepted by one is accepted by all:
 *
 * | form | meaning |
 * | --- | --- |
 * | `90s`, `15m`, `24h`, `1d`, `2w` | that long before now |
 * | `now` | now |
 * | `today`, `yesterday` | the local day in the configured time zone |
 * | `2026-12-01` | that local day |
 * | `2026-12-01T09:30` (no offset) | that local time |
 * | `2026-12-01T09:30Z`, `…+01:00` | that instant |
 * | `2026-W49` | that ISO week (Monday to Monday, local) |
 *
 * A value naming a period (a day or a week) stands for its start, or for its end when it closes a
 * range (`--until yesterday` ends where today begins), so `--since 2026-12-01 --until 2026-12-01`
 * is that whole day.
 */
import { parseIsoWeek } from '../reports/week.ts';
import {
  addDays,
  type LocalDate,
  localDateAt,
  startOfLocalDay,
  zonedFormatter,
} from './zoned-time.ts';

/** Where a period-valued time lands: its first instant, or the instant after its last. */
export type TimeEdge = 'start' | 'end';

/** What a time value is read against. */
export type TimeContext = { now: Date; timezone: string; edge?: TimeEdge };

const RELATIVE = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;
const WEEK = /^\d{4}-W\d{2}$/i;

/** The accepted forms, for error messages and `--help`. */
export const TIME_FORMS =
  '90m, 1d, 2w, now, today, yesterday, 2026-12-01, 2026-12-01T09:30, 2026-W49';

/**
 * Parses one time value of the grammar above.
 *
 * @throws {Error} naming the value and the accepted forms
 * @example
 * parseTime('yesterday', { now, timezone: 'Europe/Berlin', edge: 'end' }); // today's local midnight
 */
export function parseTime(value: string, context: TimeContext): Date {
  const text = value.trim();
  const { now, timezone } = context;
  const end = context.edge === 'end';
  const relative = RELATIVE.exec(text);
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    return new Date(now.getTime() - ms);
  }
  const lower = text.toLowerCase();
  if (lower === 'now') return now;
  if (lower === 'today' || lower === 'yesterday') {
    const today = localDateAt(now.getTime(), timezone);
    return dayEdge(addDays(today, lower === 'today' ? 0 : -1), timezone, end);
  }
  if (WEEK.test(text)) {
    const week = parseIsoWeek(text.toUpperCase(), timezone);
    return end ? week.to : week.from;
  }
  const date = DATE.exec(text);
  if (date) {
    const local = { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) };
    if (validDate(local)) return dayEdge(local, timezone, end);
  }
  const local = LOCAL_TIME.exec(text);
  if (local) {
    const wall = Date.UTC(
      Number(local[1]),
      Number(local[2]) - 1,
      Number(local[3]),
      Number(local[4]),
      Number(local[5]),
      Number(local[6] ?? 0),
      Number((local[7] ?? '0').padEnd(3, '0')),
    );
    if (!Number.isNaN(wall)) return new Date(localWallToInstant(wall, timezone));
  }
  if (ZONED.test(text) && /^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const absolute = new Date(text);
    if (!Number.isNaN(absolute.getTime())) return absolute;
  }
  throw new Error(`not a time: ${JSON.stringify(value)} (use ${TIME_FORMS})`);
}

function dayEdge(date: LocalDate, timezone: string, end: boolean): Date {
  return new Date(startOfLocalDay(end ? addDays(date, 1) : date, timezone));
}

function validDate(d: LocalDate): boolean {
  const probe = new Date(Date.UTC(d.year, d.month - 1, d.day));
  return probe.getUTCMonth() === d.month - 1 && probe.getUTCDate() === d.day;
}

/** The wall-clock time at instant `ms` in `timeZone`, as if that wall time were UTC. */
function wallAt(ms: number, timeZone: string): number {
  const f = zonedFormatter(timeZone, 'date-time');
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (ms % 1000);
}

/**
 * The instant whose local wall time in `timeZone` is `wall` (a wall time written as UTC ms). Two
 * passes settle the offset around DST changes; a wall time inside a skipped hour lands after it.
 */
function localWallToInstant(wall: number, timeZone: string): number {
  let instant = wall - (wallAt(wall, timeZone) - wall);
  instant = wall - (wallAt(instant, timeZone) - instant);
  return instant;
}
