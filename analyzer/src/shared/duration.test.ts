import { describe, expect, it } from 'vitest';
import { floorMinute, parseDuration, toChDateTime, toChDateTime64ms } from './duration.ts';

describe('durations', () => {
  it('parses the config units', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
  });

  it('rejects anything else', () => {
    expect(() => parseDuration('2 m')).toThrow(RangeError);
    expect(() => parseDuration('1w')).toThrow(RangeError);
    expect(() => parseDuration('0s')).toThrow(RangeError);
  });

  it('formats instants for ClickHouse parameters', () => {
    const ms = Date.parse('2026-11-01T04:00:59.987Z');
    expect(floorMinute(ms)).toBe(Date.parse('2026-11-01T04:00:00Z'));
    expect(toChDateTime(ms)).toBe('2026-11-01 04:00:59');
    expect(toChDateTime64ms(ms)).toBe('2026-11-01 04:00:59.987');
  });
});
