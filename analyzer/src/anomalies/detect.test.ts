import { type AnomaliesConfig, AnomaliesSchema, SCOPE_FIELDS } from '@tokenwatch/config';
import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsEvery } from '../../test/support/test-calls.ts';
import { floorMinute } from '../shared/duration.ts';
import { detectAnomalies } from './detect.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const tenant = 'runaway';

// The change happens at T, a whole minute; an hour of normal history precedes it.
const T = floorMinute(Date.now()) - 3 * 60 * MIN;
const END = T + 3 * MIN;

/** Agent i normally makes a call every 5 s (12 a minute) of 100 + 50·i tokens at $0.00001/token. */
const tokensOf = (i: number) => 100 + 50 * i;
const costOf = (tokens: number) => `0.${String(tokens).padStart(5, '0')}`;
const agentName = (i: number) => `a${String(i).padStart(2, '0')}`;

function normal(i: number, from: number, to: number, step = 5 * SEC): LlmCall[] {
  const tokens = tokensOf(i);
  return callsEvery(from, to, step, () => ({
    tenant,
    agent: agentName(i),
    team: 'core',
    responseModel: 'gpt-4o-mini',
    inputTokens: tokens - 20,
    outputTokens: 20,
    totalCost: costOf(tokens),
  }));
}

function history(): LlmCall[] {
  const calls: LlmCall[] = [];
  for (let i = 0; i < 19; i++) {
    calls.push(...normal(i, T - 60 * MIN, T));
    // a07 goes to 4× (a call every 1.25 s) at T, a12 to 2.5× (every 2 s); the rest carry on.
    if (i === 7) {
      calls.push(
        ...callsEvery(T, END, 1.25 * SEC, (k) => ({
          tenant,
          agent: 'a07',
          team: 'core',
          responseModel: k % 4 === 3 ? 'gpt-4o-mini' : 'gpt-4o',
          inputTokens: 430,
          outputTokens: 20,
          totalCost: costOf(450),
        })),
      );
    } else calls.push(...normal(i, T, END, i === 12 ? 2 * SEC : 5 * SEC));
  }
  // a19 is a low-volume agent: one 20-token call a minute, then a single 1000-token call.
  const quiet = {
    tenant,
    agent: 'a19',
    team: 'core',
    responseModel: 'gpt-4o-mini',
    inputTokens: 20,
    totalCost: '0.0002',
  };
  calls.push(...callsEvery(T - 60 * MIN, END, MIN, () => quiet));
  calls.push(
    ...callsEvery(T + 130 * SEC, T + 131 * SEC, SEC, () => ({
      ...quiet,
      inputTokens: 1000,
      totalCost: '0.005',
    })),
  );
  return calls;
}

const config = (overrides: Partial<AnomaliesConfig> = {}): AnomaliesConfig =>
  AnomaliesSchema.parse(overrides);

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, history());
});
afterAll(() => t.cleanup());

const flagged = async (at: number, cfg = config()) =>
  (await detectAnomalies(t.store, { tenant, now: new Date(at), config: cfg })).map(
    (a) => `${a.entity.kind}:${a.entity.value}`,
  );

describe('detectAnomalies: a runaway agent among 20', () => {
  it('flags nothing before the change', async () => {
    expect(await flagged(T - SEC)).toEqual([]);
  });

  it('flags exactly the 4× agent 150 s after the change, with hand-computed figures', async () => {
    const now = T + 150.5 * SEC;
    const anomalies = await detectAnomalies(t.store, {
      tenant,
      now: new Date(now),
      config: config(),
    });
    expect(anomalies.map((a) => `${a.entity.kind}:${a.entity.value}`)).toEqual(['agent:a07']);
    const [a] = anomalies;
    // Long window (T+30.5 s, T+150.5 s]: calls at T + 1.25 s·k for k = 25…120 = 96 calls of 450
    // tokens. Baseline: 12 calls × 450 tokens in every history minute.
    expect(a).toMatchObject({
      tenant,
      metric: 'tokens',
      ratio: 4,
      shortRatio: 4,
      baseline: 5400,
      baselineSource: 'trailing',
      current: { tokens: 96 * 450, costUsd: '0.432', calls: 96 },
      topModel: 'gpt-4o',
      // $0.432 in 2 minutes = $12.96 an hour.
      projectedCostPerHourUsd: '12.96',
      window: {
        long: { start: new Date(now - 120 * SEC), end: new Date(now) },
        short: { start: new Date(now - 30 * SEC), end: new Date(now) },
      },
    });
    expect(a!.metrics.calls).toMatchObject({ baseline: 12, long: 48, short: 48, triggered: true });
    expect(a!.metrics.usd.baseline).toBeCloseTo(0.054, 12);
    expect(a!.metrics.usd.longRatio).toBeCloseTo(4, 9);
  });

  it('watches every entity kind without flagging the crowd the agent belongs to', async () => {
    // team core sums all agents (≈1.23× normal); model gpt-4o is new (only a07's fast calls use
    // it), so it is judged against the per-model median of the tenant and is far below it.
    expect(await flagged(T + 150.5 * SEC, config({ entities: [...SCOPE_FIELDS] }))).toEqual([
      'agent:a07',
    ]);
  });

  it('needs both windows: 60 s after the change the long window is only at 2.5×', async () => {
    // (T−59.5 s, T+60.5 s]: 11 normal calls + 49 fast ones = 60 calls = 30/min = 2.5 × 12.
    expect(await flagged(T + 60.5 * SEC)).toEqual([]);
    // (T−29.5 s, T+90.5 s]: 5 + 73 = 78 calls = 3.25×, and the last 30 s run at 4×.
    expect(await flagged(T + 90.5 * SEC)).toEqual(['agent:a07']);
  });

  it('leaves the 2.5× agent and the spike under the floors alone, for those reasons', async () => {
    const now = T + 150.5 * SEC;
    // With a lower ratio the 2.5× agent is flagged: only the ratio held it back.
    expect(await flagged(now, config({ ratio: 2.4 }))).toEqual(['agent:a07', 'agent:a12']);
    // Without floors the quiet agent's spike (1040 tokens, $0.0054 in 2 min) is flagged: only the
    // floors held it back. Its ratio: 520 tokens/min against 20.
    const unfloored = await detectAnomalies(t.store, {
      tenant,
      now: new Date(now),
      config: config({ min_tokens: 0, min_cost_usd: 0 }),
    });
    const quiet = unfloored.find((a) => a.entity.value === 'a19');
    expect(quiet).toMatchObject({ metric: 'tokens', ratio: 26, baseline: 20, shortRatio: 100 });
    expect(unfloored.map((a) => a.entity.value)).toEqual(['a19', 'a07']);
  });
});
