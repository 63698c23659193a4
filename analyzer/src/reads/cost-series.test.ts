import { tmpdir } from 'node:os';
import { loadConfig } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { insertLlmCalls, runUserQuery } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../../test/support/test-calls.ts';
import { inProcessReadClient } from './client.ts';
import { costSeriesRead, OTHER_SERIES } from './cost-series.ts';
import { freshnessRead } from './freshness.ts';
import { taskCallsRead } from './task-calls.ts';

// Berlin is UTC+1 in December: its days start at 23:00 UTC.
const config = { ...loadConfig({ cwd: tmpdir(), env: {} }), timezone: 'Europe/Berlin' };
const NOW = new Date('2026-12-10T12:00:00Z');
const at = (iso: string) => new Date(iso).getTime();

describe('cost-series and task reads', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
    await insertLlmCalls(t.store, [
      // 2026-12-08 Berlin day (starts 12-07T23:00Z): support 1.50 + 0.25, research 2.00
      makeCall({
        at: at('2026-12-07T23:30:00Z'),
        agent: 'support',
        totalCost: '1.5',
        inputTokens: 10,
        taskId: 't1',
      }),
      makeCall({
        at: at('2026-12-08T10:00:00Z'),
        agent: 'support',
        totalCost: '0.25',
        inputTokens: 30,
        cacheReadTokens: 5,
        taskId: 't1',
      }),
      makeCall({
        at: at('2026-12-08T11:00:00Z'),
        agent: 'research',
        totalCost: '2',
        requestModel: 'x',
      }),
      // 2026-12-09 Berlin day: coder 0.125, support 0.5
      makeCall({ at: at('2026-12-09T09:00:00Z'), agent: 'coder', totalCost: '0.125' }),
      makeCall({ at: at('2026-12-09T22:59:00Z'), agent: 'support', totalCost: '0.5' }),
      // another tenant's call is never counted
      makeCall({
        at: at('2026-12-09T09:00:00Z'),
        agent: 'support',
        totalCost: '100',
        tenant: 'other',
      }),
    ]);
  });
  afterAll(() => t.cleanup());

  const reads = (tenant = 'acme') =>
    inProcessReadClient({
      store: t.store,
      settings: { config, pricer: createPricer() },
      tenant,
      now: () => NOW,
    });

  it('buckets spend by day in the configured zone, by series, with sums per group', async () => {
    const result = await reads().read(costSeriesRead, { since: '2026-12-08', until: '2026-12-09' });
    expect(result.step).toBe('hour');
    const daily = await reads().read(costSeriesRead, {
      since: '2026-12-08',
      until: '2026-12-09',
      step: 'day',
      series: '2',
    });
    expect(daily.total).toMatchObject({ calls: 5, costUsd: '4.375' });
    expect(daily.groups.map((g) => [g.key.agent, g.costUsd])).toEqual([
      ['support', '2.25'],
      ['research', '2'],
      ['coder', '0.125'],
    ]);
    expect(daily.series).toEqual([
      { key: 'support', costUsd: '2.25' },
      { key: 'research', costUsd: '2' },
      { key: OTHER_SERIES, costUsd: '0.125' },
    ]);
    expect(
      daily.buckets.map((b) => [b.start.toISOString(), b.costUsd, b.bySeries, b.calls]),
    ).toEqual([
      ['2026-12-07T23:00:00.000Z', '3.75', { support: '1.75', research: '2' }, 3],
      ['2026-12-08T23:00:00.000Z', '0.625', { support: '0.5', [OTHER_SERIES]: '0.125' }, 2],
    ]);
    expect(daily.buckets.map((b) => b.callsBySeries)).toEqual([
      { support: 2, research: 1 },
      { support: 1, [OTHER_SERIES]: 1 },
    ]);
  });

  it('filters to one value of a dimension, and its SQL answers the same in tokenwatch sql', async () => {
    const result = await reads().read(costSeriesRead, {
      since: '2026-12-08',
      until: '2026-12-09',
      by: 'agent,model',
      agent: 'support',
    });
    expect(result.filters).toEqual({ agent: 'support' });
    expect(result.total).toMatchObject({
      calls: 3,
      costUsd: '2.25',
      inputTokens: 40,
      cacheReadTokens: 5,
    });
    const answer = await runUserQuery(t.store, result.sql);
    const cost = answer.columns.findIndex((c) => c.name === 'cost');
    expect(answer.rows.map((r) => r[cost])).toEqual(result.groups.map((g) => g.costUsd));
  });

  it('refuses a dimension outside the rollup, naming the parameter', async () => {
    expect(() => reads().read(costSeriesRead, { by: 'task' })).toThrow(/^by: task is not/);
  });

  it("lists a task's calls in order with the context each one sent", async () => {
    const task = await reads().read(taskCallsRead, { id: 't1' });
    expect(task.costUsd).toBe('1.75');
    expect(task.calls.map((c) => [c.agent, c.contextTokens, c.costUsd])).toEqual([
      ['support', 10, '1.5'],
      ['support', 35, '0.25'],
    ]);
  });

  it("says when the tenant's latest call started and was stored", async () => {
    const acme = await reads().read(freshnessRead, {});
    expect(acme.lastCallAt?.toISOString()).toBe('2026-12-09T22:59:00.000Z');
    expect(acme.lastStoredAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const other = await reads('other').read(freshnessRead, {});
    expect(other.lastCallAt?.toISOString()).toBe('2026-12-09T09:00:00.000Z');
    expect(await reads('nobody').read(freshnessRead, {})).toEqual({
      lastCallAt: null,
      lastStoredAt: null,
    });
  });
});
