import { type AnomaliesConfig, AnomaliesSchema } from '@tokenwatch/config';
import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallSpec, callsEvery } from '../../test/support/test-calls.ts';
import { floorMinute } from '../shared/duration.ts';
import { detectAnomalies } from './detect.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const WEEK = 7 * 24 * 60 * MIN;

// Every scenario changes at T and is evaluated 150.5 s later.
const T = floorMinute(Date.now()) - 3 * 60 * MIN;
const NOW = T + 150.5 * SEC;
const END = T + 3 * MIN;

const config = (overrides: Partial<AnomaliesConfig>): AnomaliesConfig =>
  AnomaliesSchema.parse(overrides);

/** 500-token, $0.005 calls of an agent, alternating models and users within each minute. */
const seasonalCall =
  (tenant: string, agent: string) =>
  (i: number): Omit<CallSpec, 'at'> => ({
    tenant,
    agent,
    userId: `u${i % 2}`,
    responseModel: i % 2 ? 'gpt-4o' : 'gpt-4o-mini',
    inputTokens: 500,
    totalCost: '0.005',
  });

function seasonalHistory(): LlmCall[] {
  const calls: LlmCall[] = [];
  for (const [agent, weeks] of [
    ['weekly3', [2, 3, 4]],
    ['weekly2', [2, 3]],
  ] as const) {
    const spec = seasonalCall('seasonal', agent);
    // Trailing hour: 4 calls a minute; from T: 16 a minute (4×), enough calls in 30 s (8 where 2
    // are normal) for the short window's Poisson test.
    calls.push(...callsEvery(T - 60 * MIN, T, 15 * SEC, spec));
    calls.push(...callsEvery(T, END, 3.75 * SEC, spec));
    // Same time of week in earlier weeks: 12 calls a minute (3× the trailing rate).
    for (const k of weeks) {
      calls.push(...callsEvery(T - k * WEEK - 45 * MIN, T - k * WEEK + 45 * MIN, 5 * SEC, spec));
    }
  }
  return calls;
}

const session =
  (tenant: string, agent: string, sessionId: string, tokens: number, cost: string) =>
  (): Omit<CallSpec, 'at'> => ({ tenant, agent, sessionId, inputTokens: tokens, totalCost: cost });

function coldStartHistory(): LlmCall[] {
  const tenant = 'cold';
  const calls: LlmCall[] = [];
  // support: five earlier 10-minute sessions, one after the other, at 3 × 500 tokens a minute.
  for (let j = 0; j < 5; j++) {
    const from = T - 120 * MIN + j * 12 * MIN;
    calls.push(
      ...callsEvery(
        from,
        from + 10 * MIN,
        20 * SEC,
        session(tenant, 'support', `old${j}`, 500, '0.005'),
      ),
    );
  }
  // batch: three 20-minute sessions at 10 × 2000 tokens a minute.
  for (let j = 0; j < 3; j++) {
    const from = T - 300 * MIN + j * 25 * MIN;
    calls.push(
      ...callsEvery(
        from,
        from + 20 * MIN,
        6 * SEC,
        session(tenant, 'batch', `big${j}`, 2000, '0.02'),
      ),
    );
  }
  // From T, new sessions: support's "fresh" at 4× its cohort, support's "calm" at 1×, batch's
  // "other" at 12000 tokens/min (8× support's sessions, 0.6× batch's), and a brand-new agent.
  calls.push(...callsEvery(T, END, 5 * SEC, session(tenant, 'support', 'fresh', 500, '0.005')));
  calls.push(...callsEvery(T, END, 20 * SEC, session(tenant, 'support', 'calm', 500, '0.005')));
  calls.push(...callsEvery(T, END, 10 * SEC, session(tenant, 'batch', 'other', 2000, '0.02')));
  calls.push(...callsEvery(T, END, 3 * SEC, session(tenant, 'newbie', '', 5000, '0.05')));
  return calls;
}

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, [...seasonalHistory(), ...coldStartHistory()]);
});
afterAll(() => t.cleanup());

describe('detectAnomalies: seasonal baseline', () => {
  it('uses the hour-of-week median when three weeks exist, and the wider band wins', async () => {
    const agents = config({ entities: ['agent'] });
    const found = await detectAnomalies(t.store, {
      tenant: 'seasonal',
      now: new Date(NOW),
      config: agents,
    });
    // weekly3's same hour in 3 past weeks ran at 6000 tokens/min, so 8000/min is only 1.33×;
    // weekly2 has 2 weeks, not enough: its trailing 2000/min (models and users summed) applies.
    expect(found.map((a) => [a.entity.value, a.ratio, a.baseline, a.baselineSource])).toEqual([
      ['weekly2', 4, 2000, 'trailing'],
    ]);
    const loose = await detectAnomalies(t.store, {
      tenant: 'seasonal',
      now: new Date(NOW),
      config: config({ entities: ['agent'], ratio: 1.3 }),
      includeHeld: true,
    });
    const weekly3 = loose.find((a) => a.entity.value === 'weekly3')!;
    expect([weekly3.baseline, weekly3.baselineSource, weekly3.metrics.calls.baseline]).toEqual([
      6000,
      'seasonal',
      12,
    ]);
    // 8 calls in 30 s where 6 are normal is no evidence (p ≈ 0.26): above 1.3× but not firing.
    expect(weekly3.firing).toBe(false);
    expect(weekly3.metrics.calls.shortPValue).toBeCloseTo(0.256, 3);
    expect(weekly3.ratio).toBeCloseTo(8 / 6, 12);
  });
});

describe('detectAnomalies: cold start', () => {
  it("judges a new session against its agent's sessions", async () => {
    const found = await detectAnomalies(t.store, {
      tenant: 'cold',
      now: new Date(NOW),
      config: config({ entities: ['session'] }),
    });
    // fresh: 24 calls × 500 tokens in 2 min = 6000/min against support's 1500/min.
    expect(found.map((a) => [a.entity.value, a.ratio, a.baseline, a.baselineSource])).toEqual([
      ['fresh', 4, 1500, 'cohort'],
    ]);
  });

  it('judges a new agent against the tenant-wide per-agent median', async () => {
    const found = await detectAnomalies(t.store, {
      tenant: 'cold',
      now: new Date(NOW),
      config: config({ entities: ['agent'] }),
    });
    // Agent-minutes: 50 of support at 1500 tokens, 60 of batch at 20000: the median is 20000.
    // newbie: 40 calls × 5000 tokens in 2 min = 100000/min = 5×. support against its own
    // history: (12000 + 3000) / 2 = 7500/min = 5× its 1500. batch: 12000/min is 0.6×.
    expect(found.map((a) => [a.entity.value, a.ratio, a.baseline, a.baselineSource])).toEqual([
      ['newbie', 5, 20000, 'cohort'],
      ['support', 5, 1500, 'trailing'],
    ]);
  });
});
