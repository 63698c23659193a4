import { describe, expect, it } from 'vitest';
import { isoWeekAt, lastCompleteWeek, parseIsoWeek, shiftWeeks } from './week.ts';

describe('ISO weeks', () => {
  it('parses a week into local Monday midnights', () => {
    const w = parseIsoWeek('2026-W47', 'UTC');
    expect([w.from.toISOString(), w.to.toISOString()]).toEqual([
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
    ]);
    expect(parseIsoWeek('2026-W47', 'America/New_York').from.toISOString()).toBe(
      '2026-11-16T05:00:00.000Z',
    );
  });

  it('uses the ISO year of the Thursday: 2026-W01 starts on 2025-12-29, 2026 has 53 weeks', () => {
    expect(parseIsoWeek('2026-W01', 'UTC').from.toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(parseIsoWeek('2026-W53', 'UTC').label).toBe('2026-W53');
    expect(() => parseIsoWeek('2025-W53', 'UTC')).toThrow(/not an ISO week/);
    expect(() => parseIsoWeek('2026-47', 'UTC')).toThrow(/not an ISO week/);
    expect(isoWeekAt(new Date('2027-01-01T12:00:00Z'), 'UTC').label).toBe('2026-W53');
  });

  it('a week across the end of DST lasts 169 hours, and the week before stays Monday to Monday', () => {
    // Berlin leaves summer time on Sunday 2026-10-25, the last day of W43.
    const w = parseIsoWeek('2026-W44', 'Europe/Berlin');
    const hours = (w.to.getTime() - w.from.getTime()) / 3_600_000;
    const dst = parseIsoWeek('2026-W43', 'Europe/Berlin');
    expect((dst.to.getTime() - dst.from.getTime()) / 3_600_000).toBe(169);
    expect(hours).toBe(168);
    expect(shiftWeeks(w, -1, 'Europe/Berlin')).toEqual({ from: dst.from, to: dst.to });
  });

  it('the last complete week before an instant', () => {
    expect(lastCompleteWeek(new Date('2026-11-23T08:00:00Z'), 'Europe/Berlin').label).toBe(
      '2026-W47',
    );
    expect(lastCompleteWeek(new Date('2026-11-22T22:30:00Z'), 'Europe/Berlin').label).toBe(
      '2026-W46',
    );
  });
});
