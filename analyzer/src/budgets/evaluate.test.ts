import { type BudgetConfig, BudgetSchema } from '@tokenwatch/config';
import { insertLlmCalls, queryRows } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CallSpec, makeCall } from '../../test/support/test-calls.ts';
import { recentDstDay, recentPlainDay } from '../../test/support/test-days.ts';
import { evaluateBudgets } from './evaluate.ts';
import type { BudgetStatus } from './types.ts';

const TZ = 'America/New_York';
const MIN = 60_000;
const HOUR = 60 * MIN;

const budget = (spec: Record<string, unknown>): BudgetConfig => BudgetSchema.parse(spec);

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(() => t.cleanup());

async function insert(specs: CallSpec[]): Promise<void> {
  await insertLlmCalls(t.store, specs.map(makeCall));
}

async function evaluate(
  budgets: BudgetConfig[],
  now: number,
  tenant: string,
): Promise<BudgetStatus[]> {
  return evaluateBudgets(t.store, { budgets, timezone: 'UTC', now: new Date(now), tenant });
}

describe('evaluateBudgets: thresholds and periods', () => {
  it('reports each threshold once per period, and again after midnight in the budget zone', async () => {
    const tenant = 'once';
    const day = recentPlainDay(TZ, 3);
    const { start: S, end: N } = day;
    await insert([
      { tenant, at: S + 1 * HOUR, totalCost: '3' },
      { tenant, at: S + 10 * HOUR, totalCost: '3' },
      { tenant, at: S + 20 * HOUR, totalCost: '2.5' },
      { tenant, at: N - 30_000, totalCost: '1' }, // 23:59:30 local
      { tenant, at: N + 30 * MIN, totalCost: '6' },
    ]);
    const budgets = [
      budget({ id: 'daily', period: 'daily', limit_usd: 10, timezone: TZ, scope: {} }),
    ];
    const at = async (now: number) => {
      const [status] = await evaluate(budgets, now, tenant);
      return status!;
    };

    const e1 = await at(S + 2 * HOUR);
    expect([e1.spent, e1.thresholds.reached, e1.thresholds.newlyReached]).toEqual(['3', [], []]);
    expect(e1.period).toEqual({
      kind: 'daily',
      start: new Date(S),
      end: new Date(N),
      timezone: TZ,
    });

    const e2 = await at(S + 11 * HOUR);
    expect([e2.spent, e2.fraction, e2.thresholds.reached, e2.thresholds.newlyReached]).toEqual([
      '6',
      0.6,
      [0.5],
      [0.5],
    ]);
    // However often evaluation runs, the 50 % threshold is not reported again this period.
    for (const now of [S + 11 * HOUR, S + 11 * HOUR + 5 * MIN, S + 12 * HOUR]) {
      expect((await at(now)).thresholds).toEqual({ reached: [0.5], newlyReached: [] });
    }
    const e5 = await at(S + 21 * HOUR);
    expect([e5.spent, e5.remaining, e5.thresholds]).toEqual([
      '8.5',
      '1.5',
      { reached: [0.5, 0.8], newlyReached: [0.8] },
    ]);
    // One second before local midnight the last call of the day counts; nothing new is reached.
    const e6 = await at(N - 1000);
    expect([e6.spent, e6.thresholds.newlyReached, e6.period.start]).toEqual([
      '9.5',
      [],
      new Date(S),
    ]);

    // After midnight New York time the period and its thresholds start over.
    const e7 = await at(N + HOUR);
    expect([e7.period.start, e7.spent, e7.thresholds]).toEqual([
      new Date(N),
      '6',
      { reached: [0.5], newlyReached: [0.5] },
    ]);
    expect((await at(N + 2 * HOUR)).thresholds.newlyReached).toEqual([]);

    const events = await queryRows(t.store, {
      query:
        'SELECT toUnixTimestamp64Milli(period_start) AS p, threshold FROM budget_events ' +
        'WHERE tenant = {tenant: String} ORDER BY p, threshold',
      params: { tenant },
      schema: z.object({ p: z.coerce.number(), threshold: z.number() }),
    });
    expect(events).toEqual([
      { p: S, threshold: 0.5 },
      { p: S, threshold: 0.8 },
      { p: N, threshold: 0.5 },
    ]);
  });

  it('uses the real length of a DST day for its boundaries and its burn rate', async () => {
    const tenant = 'dst';
    const { start: S, end: E } = recentDstDay(TZ);
    const hours = (E - S) / HOUR; // 23 or 25
    await insert([
      { tenant, at: S + 30 * MIN, totalCost: '1' },
      { tenant, at: E - 30 * MIN, totalCost: '2' }, // 23:30 local, still the DST day
      { tenant, at: E + 30 * MIN, totalCost: '4' }, // 00:30 local, the next day
    ]);
    const budgets = [budget({ id: 'd', period: 'daily', limit_usd: 50, timezone: TZ })];

    const [late] = await evaluate(budgets, E - MIN, tenant);
    expect([late!.period.start, late!.period.end, late!.spent]).toEqual([
      new Date(S),
      new Date(E),
      '3',
    ]);
    // burn(1h) = ($2 / 1 h) / ($50 / P), with P the day's real length in hours.
    const oneHour = late!.burn.find((b) => b.longWindow === '1h')!;
    expect(oneHour.longBurn).toBeCloseTo((2 * hours) / 50, 9);

    const [next] = await evaluate(budgets, E + HOUR, tenant);
    expect([next!.period.start, next!.spent]).toEqual([new Date(E), '4']);
  });

  it('forecasts exhaustion from the last hour and fires the daily burn-rate pairs', async () => {
    const tenant = 'forecast';
    const { start: S } = recentPlainDay(TZ, 3);
    const nowMinute = S + 18 * HOUR;
    const now = nowMinute + 30_000;
    await insert([
      { tenant, at: S + HOUR, totalCost: '2' },
      // $0.05 in each of the 60 whole minutes before now's minute: $3 in the last hour.
      ...Array.from({ length: 60 }, (_, k) => ({
        tenant,
        at: nowMinute - 60 * MIN + k * MIN + 10_000,
        totalCost: '0.05',
      })),
    ]);
    const budgets = [
      budget({ id: 'tight', period: 'daily', limit_usd: 10, timezone: TZ }),
      budget({ id: 'loose', period: 'daily', limit_usd: 30, timezone: TZ }),
      budget({ id: 'rolling', period: 'rolling', window: '24h', limit_usd: 100 }),
    ];
    const [tight, loose, rolling] = await evaluate(budgets, now, tenant);

    // spent = 5; rate_1h = 3 $/h; time left = 6 h − 30 s = 21570 s.
    // projected = 5 + 3 × 21570 / 3600 = 22.975; exhaustion in (10 − 5) / 3 h = 100 min.
    expect(tight!.spent).toBe('5');
    expect(tight!.forecast).toEqual({
      ratePerHour: '3',
      projected: '22.975',
      exhaustsAt: new Date(now + 100 * MIN),
      exhausted: false,
    });
    // $30: (30 − 5) / 3 h = 8 h 20 min, after the period ends at midnight.
    expect(loose!.forecast).toEqual({
      ratePerHour: '3',
      projected: '22.975',
      exhaustsAt: null,
      exhausted: false,
    });
    // The rolling 24 h window holds everything; it has no end, so no projection.
    expect(rolling!.spent).toBe('5');
    expect(rolling!.forecast.projected).toBeNull();
    expect(rolling!.forecast.exhaustsAt).toEqual(new Date(now + ((100 - 5) / 3) * HOUR));

    // Budget rate = $10 / 24 h. 15m: $0.75 → 7.2; 2m: $0.10 → 7.2; 1h: $3 → 7.2; 5m: 7.2;
    // 6h: $3 → 0.5 $/h → 1.2 (exactly the ticket rate, which fires); 30m: $1.5 → 7.2.
    expect(
      tight!.burn.map((b) => [
        b.severity,
        b.longWindow,
        b.shortWindow,
        b.longBurn,
        b.shortBurn,
        b.firing,
      ]),
    ).toEqual([
      ['page', '15m', '2m', 7.2, 7.2, true],
      ['page', '1h', '5m', 7.2, 7.2, true],
      ['ticket', '6h', '30m', 1.2, 7.2, true],
    ]);
    expect([tight!.page, tight!.ticket]).toEqual([true, true]);
    // At $30 the budget rate triples: 2.4 on the short windows, 0.4 on 6h.
    expect(loose!.burn.map((b) => b.firing)).toEqual([false, true, false]);
    expect([loose!.page, loose!.ticket]).toEqual([true, false]);
  });
});

describe('evaluateBudgets: scopes', () => {
  it('counts a call against every budget whose scope encloses it', async () => {
    const tenant = 'hier';
    const { start: S } = recentPlainDay('UTC', 2);
    const at = S + HOUR;
    await insert([
      {
        tenant,
        at,
        agent: 'a1',
        team: 'growth',
        totalCost: '1',
        inputTokens: 800,
        outputTokens: 200,
      },
      {
        tenant,
        at,
        agent: 'a2',
        team: 'growth',
        totalCost: '2',
        inputTokens: 2500,
        cacheReadTokens: 500,
      },
      { tenant, at, agent: 'a3', team: 'ops', totalCost: '4', inputTokens: 500 },
      { tenant, at, totalCost: '0.5' },
      { tenant: 'hier-other', at, agent: 'a1', team: 'growth', totalCost: '9' },
    ]);
    const budgets = [
      budget({ id: 'org', period: 'daily', limit_usd: 100 }),
      budget({ id: 'growth', period: 'daily', limit_usd: 10, scope: { team: 'growth' } }),
      budget({ id: 'a1', period: 'daily', limit_usd: 5, scope: { agent: 'a1' } }),
      budget({
        id: 'growth-agents',
        period: 'daily',
        limit_tokens: 2000,
        scope: { team: 'growth' },
        per: 'agent',
      }),
    ];
    const statuses = await evaluate(budgets, S + 2 * HOUR, tenant);
    expect(
      statuses.map((s) => [
        s.budgetId,
        s.tenant,
        s.instance,
        s.unit,
        s.spent,
        s.remaining,
        s.fraction,
      ]),
    ).toEqual([
      ['org', tenant, '', 'usd', '7.5', '92.5', 0.075],
      ['growth', tenant, '', 'usd', '3', '7', 0.3],
      ['a1', tenant, '', 'usd', '1', '4', 0.2],
      ['growth-agents', tenant, 'agent=a1', 'tokens', '1000', '1000', 0.5],
      ['growth-agents', tenant, 'agent=a2', 'tokens', '3000', '0', 1.5],
    ]);
    expect(statuses[4]!.scope).toEqual({ team: 'growth', agent: 'a2' });
    expect(statuses[4]!.thresholds.newlyReached).toEqual([0.5, 0.8, 1]);
    expect(statuses[4]!.forecast.exhausted).toBe(true);
  });

  it('keeps tenants apart and reports a budget with no spend yet', async () => {
    const { start: S } = recentPlainDay('UTC', 2);
    const budgets = [budget({ id: 'org', period: 'daily', limit_usd: 100 })];
    const [other] = await evaluate(budgets, S + 2 * HOUR, 'hier-other');
    expect([other!.tenant, other!.spent]).toEqual(['hier-other', '9']);
    const [idle] = await evaluate(budgets, S + 2 * HOUR, 'nobody');
    expect([idle!.tenant, idle!.spent, idle!.fraction, idle!.forecast.ratePerHour]).toEqual([
      'nobody',
      '0',
      0,
      '0',
    ]);
    const own = budget({ id: 'mine', tenant: 'hier', period: 'daily', limit_usd: 1 });
    expect(await evaluate([own], S + 2 * HOUR, 'hier-other')).toEqual([]);
    const all = await evaluateBudgets(t.store, {
      budgets: [own],
      timezone: 'UTC',
      now: new Date(S + 2 * HOUR),
    });
    expect(all.map((s) => [s.tenant, s.spent])).toEqual([['hier', '7.5']]);
  });

  it('gives each session its own allowance, from its first call', async () => {
    const tenant = 'sessions';
    const { start: S } = recentPlainDay('UTC', 2);
    await insert([
      { tenant, at: S + HOUR + 5_000, sessionId: 's1', totalCost: '0.6' },
      { tenant, at: S + 2 * HOUR, sessionId: 's1', totalCost: '0.5' },
      { tenant, at: S + 90 * MIN, sessionId: 's2', totalCost: '0.2' },
      { tenant, at: S + 90 * MIN, totalCost: '7' }, // no session: no session budget applies
    ]);
    const budgets = [budget({ id: 'per-session', period: 'session', limit_usd: 1 })];
    const statuses = await evaluate(budgets, S + 3 * HOUR, tenant);
    expect(
      statuses.map((s) => [
        s.instance,
        s.spent,
        s.period.start,
        s.period.end,
        s.thresholds.reached,
      ]),
    ).toEqual([
      ['session=s1', '1.1', new Date(S + HOUR), null, [0.5, 0.8, 1]],
      ['session=s2', '0.2', new Date(S + 90 * MIN), null, []],
    ]);
    expect(statuses[0]!.burn).toEqual([]);
  });
});
