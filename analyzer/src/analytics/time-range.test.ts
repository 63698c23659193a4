import { describe, expect, it } from 'vitest';
import { chTime, parseSince, previousRange } from './time-range.ts';

describe('parseSince', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  it('reads relative durations back from now, weeks included', () => {
    expect(parseSince('15m', now).toISOString()).toBe('2026-11-23T11:45:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('2w', now).toISOString()).toBe('2026-11-09T12:00:00.000Z');
  });
  it('reads ISO dates, today and yesterday, and refuses anything else', () => {
    expect(parseSince('2026-11-01', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('yesterday', now).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(() => parseSince('last tuesday', now)).toThrow(/not a time: "last tuesday" \(use 90m/);
  });
});

describe('ranges', () => {
  it('gives the period of the same length before, and ClickHouse text in UTC', () => {
    const range = { from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') };
    expect(previousRange(range)).toEqual({
      from: new Date('2026-11-09T00:00:00Z'),
      to: range.from,
    });
    expect(chTime(new Date('2026-11-23T01:02:03.456Z'))).toBe('2026-11-23 01:02:03.456');
  });
});
