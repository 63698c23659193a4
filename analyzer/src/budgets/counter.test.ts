import { type BudgetConfig, BudgetSchema } from '@tokenwatch/config';
import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../../test/support/test-calls.ts';
import { recentPlainDay } from '../../test/support/test-days.ts';
import type { Attribution } from '../shared/scope.ts';
import { type BudgetCheckEntry, BudgetCounter } from './counter.ts';
import { evaluateBudgets } from './evaluate.ts';
import type { BudgetStatus } from './types.ts';

const TZ = 'America/New_York';
const MIN = 60_000;
const HOUR = 60 * MIN;
const tenant = 'acme';

const budgets: BudgetConfig[] = [
  { id: 'org', period: 'daily', limit_usd: 20, timezone: TZ },
  { id: 'growth-week', period: 'weekly', limit_tokens: 100_000, scope: { team: 'growth' } },
  { id: 'agent-month', period: 'monthly', limit_usd: 50, per: 'agent' },
  { id: 'a1-hour', period: 'rolling', window: '1h', limit_usd: 0.5, scope: { agent: 'a1' } },
  { id: 'session', period: 'session', limit_usd: 0.3 },
  { id: 'model-day', period: 'daily', limit_usd: 10, per: 'model' },
].map((b) => BudgetSchema.parse(b));

const day = recentPlainDay(TZ, 2);
const now = day.start + 15 * HOUR + 20_000;

/** 60 calls over the last 7 hours plus two from the day before, cycling through attributions. */
function history(): LlmCall[] {
  const calls = Array.from({ length: 60 }, (_, k) =>
    makeCall({
      tenant,
      at: now - k * 7 * MIN - 13_000,
      agent: `a${(k % 3) + 1}`,
      team: k % 3 === 2 ? 'ops' : 'growth',
      sessionId: `s${k % 4}`,
      responseModel: k % 2 ? 'gpt-4o' : 'gpt-4o-mini',
      inputTokens: 100 + k * 10,
      cacheReadTokens: k,
      outputTokens: 50,
      totalCost: `0.0${(k % 5) + 1}3`,
    }),
  );
  calls.push(
    makeCall({ tenant, at: day.start - 2 * HOUR, agent: 'a1', team: 'growth', totalCost: '5' }),
    makeCall({ tenant, at: day.start - 26 * HOUR, agent: 'a2', sessionId: 's9', totalCost: '3' }),
  );
  return calls;
}

const attributionOf = (call: LlmCall): Attribution => ({
  agent: call.agent,
  team: call.team,
  session: call.sessionId,
  model: call.responseModel || call.requestModel,
});

const view = (e: BudgetCheckEntry | BudgetStatus) => ({
  instance: e.instance,
  period: { start: e.period.start, end: e.period.end },
  unit: e.unit,
  limit: e.limit,
  spent: e.spent,
  remaining: e.remaining,
  fraction: e.fraction,
});

/** Checks the counter for every attribution seen and compares with the store's evaluation. */
function expectAgreement(counter: BudgetCounter, statuses: BudgetStatus[], calls: LlmCall[]) {
  const covered = new Set<string>();
  for (const call of calls) {
    const check = counter.check({ tenant, scope: attributionOf(call), now: new Date(now) });
    for (const entry of check.budgets) {
      const status = statuses.find((s) => s.budgetId === entry.id && s.instance === entry.instance);
      // An instance only seen outside its period reads zero and is not reported by the store.
      if (!status) {
        expect([entry.id, entry.spent]).toEqual([entry.id, '0']);
        continue;
      }
      expect([entry.id, view(entry)]).toEqual([status.budgetId, view(status)]);
      covered.add(`${status.budgetId}/${status.instance}`);
    }
  }
  expect([...covered].sort()).toEqual(statuses.map((s) => `${s.budgetId}/${s.instance}`).sort());
}

let t: TestStore;
let calls: LlmCall[];
let statuses: BudgetStatus[];
beforeAll(async () => {
  t = await openTestStore();
  calls = history();
  await insertLlmCalls(t.store, calls);
  statuses = await evaluateBudgets(t.store, {
    budgets,
    timezone: 'UTC',
    now: new Date(now),
    tenant,
  });
});
afterAll(() => t.cleanup());

describe('BudgetCounter', () => {
  it('agrees with evaluateBudgets after record()', () => {
    // Hand check of a few store figures, so agreement is not agreement on a wrong number.
    const org = statuses.find((s) => s.budgetId === 'org')!;
    const todays = calls.filter((c) => c.startTime >= BigInt(day.start) * 1_000_000n);
    const cents = todays.reduce((sum, c) => sum + Math.round(Number(c.totalCost) * 1000), 0);
    expect(org.spent).toBe((cents / 1000).toString());
    // 0.5 $/h rolling budget of a1: its calls in the 60 minutes ending with now's minute.
    const hour = statuses.find((s) => s.budgetId === 'a1-hour')!;
    const a1 = calls.filter(
      (c) =>
        c.agent === 'a1' &&
        Number(c.startTime / 1_000_000n) >= Math.floor(now / MIN) * MIN - 59 * MIN,
    );
    expect(hour.spent).toBe(
      (a1.reduce((s, c) => s + Math.round(Number(c.totalCost) * 1000), 0) / 1000).toString(),
    );
    expect(statuses.filter((s) => s.budgetId === 'session').map((s) => s.instance)).toEqual([
      'session=s0',
      'session=s1',
      'session=s2',
      'session=s3',
      'session=s9',
    ]);

    const counter = new BudgetCounter({ budgets, timezone: 'UTC' });
    counter.record(calls);
    expectAgreement(counter, statuses, calls);
  });

  it('agrees with evaluateBudgets after rebuild()', async () => {
    const counter = new BudgetCounter({ budgets, timezone: 'UTC' });
    await counter.rebuild(t.store, new Date(now));
    expectAgreement(counter, statuses, calls);
  });

  it('lists exactly the budgets that enclose an attribution', () => {
    const counter = new BudgetCounter({ budgets, timezone: 'UTC' });
    counter.record(calls);
    const check = counter.check({
      tenant,
      scope: { agent: 'a3', team: 'ops' },
      now: new Date(now),
    });
    expect(check.budgets.map((b) => [b.id, b.instance])).toEqual([
      ['org', ''],
      ['agent-month', 'agent=a3'],
    ]);
    expect(counter.check({ tenant: 'other', scope: {}, now: new Date(now) }).budgets).toEqual([
      expect.objectContaining({ id: 'org', tenant: 'other', spent: '0', remaining: '20' }),
    ]);
  });

  it('rolls periods over at midnight in their zone', () => {
    const counter = new BudgetCounter({ budgets, timezone: 'UTC' });
    counter.record(calls);
    const scope = { agent: 'a1', team: 'growth' };
    const before = counter.check({ tenant, scope, now: new Date(day.end - 1000) });
    expect(before.budgets[0]!.period.start).toEqual(new Date(day.start));
    expect(before.budgets[0]!.spent).toBe(statuses.find((s) => s.budgetId === 'org')!.spent);

    const after = counter.check({ tenant, scope, now: new Date(day.end + MIN) });
    expect(after.budgets[0]).toMatchObject({
      id: 'org',
      spent: '0',
      period: { start: new Date(day.end), end: new Date(day.end + 24 * HOUR) },
    });
    counter.record([makeCall({ tenant, at: day.end + 2 * MIN, agent: 'a1', totalCost: '1.25' })]);
    expect(
      counter.check({ tenant, scope, now: new Date(day.end + 3 * MIN) }).budgets[0]!.spent,
    ).toBe('1.25');
  });

  it('refuses once an enclosing budget is spent, with exact decimal sums', () => {
    const small = [BudgetSchema.parse({ id: 'cap', period: 'daily', limit_usd: 0.3 })];
    const counter = new BudgetCounter({ budgets: small, timezone: 'UTC' });
    const at = day.start + HOUR;
    // 0.1 + 0.2 is 0.30000000000000004 in floating point, which would refuse too early below.
    counter.record([makeCall({ tenant, at, totalCost: '0.1' })]);
    counter.record([makeCall({ tenant, at, totalCost: '0.1999999999' })]);
    const open = counter.check({ tenant, scope: {}, now: new Date(at + MIN) });
    expect([open.allowed, open.budgets[0]!.spent, open.budgets[0]!.remaining]).toEqual([
      true,
      '0.2999999999',
      '0.0000000001',
    ]);
    counter.record([makeCall({ tenant, at, totalCost: '0.0000000001' })]);
    const closed = counter.check({ tenant, scope: {}, now: new Date(at + MIN) });
    expect([closed.allowed, closed.budgets[0]!.fraction, closed.budgets[0]!.remaining]).toEqual([
      false,
      1,
      '0',
    ]);
  });
});
