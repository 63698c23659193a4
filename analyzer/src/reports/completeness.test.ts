import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsEvery } from '../../test/support/test-calls.ts';
import { getCompleteness } from './completeness.ts';
import { parseIsoWeek } from './week.ts';

const HOUR = 3_600_000;
const TZ = 'Europe/Berlin';
const week = parseIsoWeek('2026-W47', TZ);
const from = week.from.getTime();
let t: TestStore;

beforeAll(async () => {
  t = await openTestStore();
  const calls = [];
  // Five weeks of a call every 20 minutes around the clock, with holes:
  // - this week, Tuesday 02:00–08:00 Berlin (hours 26–31): an outage, a gap;
  // - this week, Thursday 12:00 (hour 84) too, but two past weeks had nothing then either
  //   (hours 84 of W45 and W46): usually quiet, not a gap;
  // - this week, the last hour of Sunday: a gap that runs to the end of the week.
  const holes = [
    [from + 26 * HOUR, from + 32 * HOUR],
    [from + 84 * HOUR, from + 85 * HOUR],
    [from - 7 * 24 * HOUR + 84 * HOUR, from - 7 * 24 * HOUR + 85 * HOUR],
    [from - 14 * 24 * HOUR + 84 * HOUR, from - 14 * 24 * HOUR + 85 * HOUR],
    [from + 167 * HOUR, from + 168 * HOUR],
  ];
  const all = callsEvery(from - 28 * 24 * HOUR, week.to.getTime(), 20 * 60_000, () => ({
    tenant: 'acme',
    inputTokens: 10,
  }));
  for (const call of all) {
    const ms = Number(call.startTime / 1_000_000n);
    if (!holes.some(([a, b]) => ms >= a! && ms < b!)) calls.push(call);
  }
  await insertLlmCalls(t.store, calls);
}, 60_000);
afterAll(async () => t.cleanup());

describe('report data completeness', () => {
  it('finds hours without calls that past weeks usually had, merged into runs', async () => {
    const c = await getCompleteness(t.store, { tenant: 'acme', range: week, timezone: TZ });
    expect(c.gaps).toEqual([
      { from: '2026-11-17T01:00:00.000Z', to: '2026-11-17T07:00:00.000Z', hours: 6 },
      { from: '2026-11-22T22:00:00.000Z', to: '2026-11-22T23:00:00.000Z', hours: 1 },
    ]);
    expect(c.rejectedSpans).toBe(0);
  });

  it('looks only at hours already over in a report of the running week', async () => {
    // Built at Sunday 22:30 Berlin: the outage is found, the last hour is not over yet.
    const c = await getCompleteness(t.store, {
      tenant: 'acme',
      range: week,
      timezone: TZ,
      now: new Date(from + 167.5 * HOUR),
    });
    expect(c.gaps).toEqual([
      { from: '2026-11-17T01:00:00.000Z', to: '2026-11-17T07:00:00.000Z', hours: 6 },
    ]);
  });

  it('finds nothing for a tenant without history', async () => {
    const c = await getCompleteness(t.store, { tenant: 'other', range: week, timezone: TZ });
    expect(c).toEqual({ gaps: [], rejectedSpans: 0, rejectedRequests: 0, rejections: [] });
  });
});
