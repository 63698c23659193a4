import { describe, expect, it } from 'vitest';
import { parseTime } from './time-grammar.ts';

// 2026-03-29 is the day Europe/Berlin moves from UTC+1 to UTC+2 at 02:00 local time.
const berlin = 'Europe/Berlin';
const iso = (d: Date) => d.toISOString();

describe('parseTime', () => {
  const now = new Date('2026-03-29T10:15:00.000Z'); // 12:15 in Berlin (summer time)

  it('reads durations back from now, in every unit', () => {
    const at = (v: string) => iso(parseTime(v, { now, timezone: berlin }));
    expect(at('90s')).toBe('2026-03-29T10:13:30.000Z');
    expect(at('90m')).toBe('2026-03-29T08:45:00.000Z');
    expect(at('1d')).toBe('2026-03-28T10:15:00.000Z');
    expect(at('2w')).toBe('2026-03-15T10:15:00.000Z');
    expect(at('now')).toBe(iso(now));
  });

  it('reads today and yesterday in the configured time zone, as starts or ends', () => {
    const start = (v: string) => iso(parseTime(v, { now, timezone: berlin }));
    const end = (v: string) => iso(parseTime(v, { now, timezone: berlin, edge: 'end' }));
    // Today began at local midnight, still winter time: 23:00 UTC the day before.
    expect(start('today')).toBe('2026-03-28T23:00:00.000Z');
    expect(end('today')).toBe('2026-03-29T22:00:00.000Z');
    expect(start('yesterday')).toBe('2026-03-27T23:00:00.000Z');
    expect(end('yesterday')).toBe('2026-03-28T23:00:00.000Z');
    // Late evening in UTC is already tomorrow in Tokyo.
    const late = new Date('2026-03-29T20:00:00.000Z');
    expect(iso(parseTime('today', { now: late, timezone: 'Asia/Tokyo' }))).toBe(
      '2026-03-29T15:00:00.000Z',
    );
  });

  it('reads dates and local times in the time zone, and zoned times as given', () => {
    const start = (v: string) => iso(parseTime(v, { now, timezone: berlin }));
    expect(start('2026-03-01')).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(parseTime('2026-03-01', { now, timezone: berlin, edge: 'end' }))).toBe(
      '2026-03-01T23:00:00.000Z',
    );
    expect(start('2026-03-29T09:30')).toBe('2026-03-29T07:30:00.000Z');
    expect(start('2026-03-28T09:30:15')).toBe('2026-03-28T08:30:15.000Z');
    expect(start('2026-03-29T09:30Z')).toBe('2026-03-29T09:30:00.000Z');
    expect(start('2026-03-29T09:30:00+05:00')).toBe('2026-03-29T04:30:00.000Z');
  });

  it('reads ISO weeks from local Monday to Monday', () => {
    expect(iso(parseTime('2026-W13', { now, timezone: berlin }))).toBe('2026-03-22T23:00:00.000Z');
    expect(iso(parseTime('2026-w13', { now, timezone: berlin, edge: 'end' }))).toBe(
      '2026-03-29T22:00:00.000Z',
    );
  });

  it('refuses anything else, naming the value and the forms', () => {
    for (const bad of ['', 'last week', '2026-02-30', '12/01/2026', '7x', '2026-W60']) {
      expect(() => parseTime(bad, { now, timezone: berlin }), bad).toThrow(/not a|ISO week/);
    }
    expect(() => parseTime('soon', { now, timezone: 'UTC' })).toThrow(
      'not a time: "soon" (use 90m, 1d, 2w, now, today, yesterday, 2026-12-01, 2026-12-01T09:30, 2026-W49)',
    );
  });
});
