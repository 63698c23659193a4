import { describe, expect, it } from 'vitest';
import {
  addDays,
  calendarPeriodAt,
  isoWeekday,
  localDateAt,
  startOfLocalDay,
} from './zoned-time.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('calendar periods in a time zone', () => {
  it('makes the New York fall-back day 25 hours and the spring-forward day 23', () => {
    const fall = calendarPeriodAt('daily', Date.parse('2026-11-01T12:00:00Z'), 'America/New_York');
    expect([iso(fall.start), iso(fall.end)]).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect(fall.end - fall.start).toBe(25 * HOUR);
    const spring = calendarPeriodAt(
      'daily',
      Date.parse('2026-03-08T12:00:00Z'),
      'America/New_York',
    );
    expect(spring.end - spring.start).toBe(23 * HOUR);
  });

  it('puts an instant just before local midnight in the day it belongs to', () => {
    // 04:59:59Z on 2 Nov is 23:59:59 EST on 1 Nov.
    const p = calendarPeriodAt('daily', Date.parse('2026-11-02T04:59:59Z'), 'America/New_York');
    expect(iso(p.start)).toBe('2026-11-01T04:00:00.000Z');
    const q = calendarPeriodAt('daily', Date.parse('2026-11-02T05:00:00Z'), 'America/New_York');
    expect(iso(q.start)).toBe('2026-11-02T05:00:00.000Z');
  });

  it('starts a day at the end of the gap when the clocks skip midnight', () => {
    // Santiago moves from 00:00 to 01:00 on 6 Sep 2026: the day starts at 01:00 (-03) = 04:00Z.
    expect(iso(startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe(
      '2026-09-06T04:00:00.000Z',
    );
    // So that day is 23 hours long, and the day before still ends at its own midnight.
    const day = calendarPeriodAt('daily', Date.parse('2026-09-06T12:00:00Z'), 'America/Santiago');
    expect(day.end - day.start).toBe(23 * HOUR);
    const before = calendarPeriodAt(
      'daily',
      Date.parse('2026-09-05T12:00:00Z'),
      'America/Santiago',
    );
    expect(iso(before.end)).toBe('2026-09-06T04:00:00.000Z');
  });

  it('starts weeks on Monday and months on the 1st, in local time', () => {
    // Sunday 22 Nov 2026, 23:00 in New York is already Monday in UTC.
    const week = calendarPeriodAt('weekly', Date.parse('2026-11-23T04:00:00Z'), 'America/New_York');
    expect([iso(week.start), iso(week.end)]).toEqual([
      '2026-11-16T05:00:00.000Z',
      '2026-11-23T05:00:00.000Z',
    ]);
    const month = calendarPeriodAt(
      'monthly',
      Date.parse('2027-01-01T04:00:00Z'),
      'America/New_York',
    );
    expect([iso(month.start), iso(month.end)]).toEqual([
      '2026-12-01T05:00:00.000Z',
      '2027-01-01T05:00:00.000Z',
    ]);
    // March 2026 in New York loses an hour.
    const march = calendarPeriodAt(
      'monthly',
      Date.parse('2026-03-15T12:00:00Z'),
      'America/New_York',
    );
    expect(march.end - march.start).toBe(31 * 24 * HOUR - HOUR);
  });

  it('handles zones with quarter-hour offsets', () => {
    const p = calendarPeriodAt('daily', Date.parse('2026-11-23T12:00:00Z'), 'Asia/Kathmandu');
    expect(iso(p.start)).toBe('2026-11-22T18:15:00.000Z');
  });

  it('does date arithmetic across month and year ends', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({
      year: 2027,
      month: 1,
      day: 1,
    });
    expect(addDays({ year: 2028, month: 3, day: 1 }, -1)).toEqual({
      year: 2028,
      month: 2,
      day: 29,
    });
    expect(isoWeekday({ year: 2026, month: 11, day: 23 })).toBe(1);
    expect(isoWeekday({ year: 2026, month: 11, day: 22 })).toBe(7);
    expect(localDateAt(Date.parse('2026-11-23T03:00:00Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 11,
      day: 22,
    });
  });
});
