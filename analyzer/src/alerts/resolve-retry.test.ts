import { AlertsSchema, AnomaliesSchema, BudgetSchema } from '@tokenwatch/config';
import { insertLlmCalls, queryRows } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeReceiver, startFakeReceiver } from '../../test/support/receivers.ts';
import { makeCall } from '../../test/support/test-calls.ts';
import { type AlertEngineConfig, createAlertEngine } from './engine.ts';
import { listAlertOccurrences } from './history-repository.ts';
import { listDeliveries } from './state-repository.ts';

// Finding 13: a resolve that meets a retryable error (429, 5xx, network) is owed, and sent again
// at the next evaluations, across a restart, as a failed trigger is; a permanent error is not.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const D = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const tenant = 'retry';

let t: TestStore;
let hook: FakeReceiver;
let pd: FakeReceiver;
let broken: FakeReceiver;
let config: AlertEngineConfig;

const engine = () =>
  createAlertEngine({
    store: t.store,
    config,
    env: { PD: 'k'.repeat(32) },
    retry: { attempts: 2, baseDelayMs: 5 },
  });

const stateOf = async () =>
  (
    await queryRows(t.store, {
      query: "SELECT state FROM alert_state FINAL WHERE tenant = 'retry'",
      schema: z.object({ state: z.string() }),
    })
  ).map((r) => r.state);

beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, [
    makeCall({ tenant, at: D + HOUR, agent: 'coder', inputTokens: 1000, totalCost: '12' }),
  ]);
  [hook, pd, broken] = await Promise.all([
    startFakeReceiver(200),
    startFakeReceiver(202, '{"status":"success"}'),
    startFakeReceiver(400, 'invalid_payload'),
  ]);
  config = {
    alerts: AlertsSchema.parse({
      receivers: [
        { name: 'hook', type: 'webhook', url: hook.url },
        { name: 'pd', type: 'pagerduty', routing_key_env: 'PD', url: pd.url },
        { name: 'broken', type: 'webhook', url: broken.url },
      ],
      rules: [
        { name: 'budget_exhausted', kind: 'budget_threshold', severity: 'page', thresholds: [1] },
      ],
    }),
    budgets: [BudgetSchema.parse({ id: 'daily', tenant, period: 'daily', limit_usd: 10 })],
    anomalies: AnomaliesSchema.parse({}),
    timezone: 'UTC',
  };
});
afterAll(async () => {
  await Promise.all([hook, pd, broken].map((r) => r?.close()));
  await t?.cleanup();
});

describe('resolve notifications', () => {
  it('owes a resolve that failed on 503 or 429, and sends it again after a restart', async () => {
    const first = engine();
    const fired = await first.evaluate(new Date(D + HOUR + MIN));
    expect(fired.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}`)).toEqual([
      'hook:trigger:sent',
      'pd:trigger:sent',
      'broken:trigger:failed',
    ]);

    // The next day the period has ended; both attempts of each resolve fail.
    hook.script(503, 503);
    pd.script(429, 429);
    const ended = await first.evaluate(new Date(D + DAY + HOUR));
    expect(ended.resolved).toHaveLength(1);
    expect(
      ended.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}:${d.retryable}`),
    ).toEqual([
      'hook:resolve:failed:true',
      'pd:resolve:failed:true',
      'broken:resolve:failed:false',
    ]);
    expect(await stateOf()).toEqual(['resolving']);
    // Over for everyone else: not listed, and in the history as resolved.
    expect(await first.list()).toEqual([]);
    const [occurrence] = await listAlertOccurrences(t.store, {
      tenant,
      from: new Date(D),
      to: new Date(D + 2 * DAY),
    });
    expect(occurrence!.endsAt).toEqual(new Date(D + DAY + HOUR));

    // A restarted engine picks up what it owes, and only that.
    const second = engine();
    const retried = await second.evaluate(new Date(D + DAY + HOUR + 30_000));
    expect(retried.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}`)).toEqual([
      'hook:resolve:sent',
      'pd:resolve:sent',
    ]);
    expect(await stateOf()).toEqual(['resolved']);
    const quiet = await second.evaluate(new Date(D + DAY + HOUR + 60_000));
    expect(quiet.deliveries).toEqual([]);

    const statuses = hook.bodies().map((b) => (b as { status: string }).status);
    expect(statuses).toEqual(['firing', 'resolved', 'resolved', 'resolved']);
    const pdActions = (pd.bodies() as { event_action: string; dedup_key: string }[]).map(
      (b) => b.event_action,
    );
    expect(pdActions).toEqual(['trigger', 'resolve', 'resolve', 'resolve']);
    expect(new Set((pd.bodies() as { dedup_key: string }[]).map((b) => b.dedup_key)).size).toBe(1);
    // A 400 is final: one trigger, one resolve, never again.
    expect(broken.requests).toHaveLength(2);
    const log = await listDeliveries(t.store, { tenant });
    expect(
      log.filter((d) => d.receiver === 'hook').map((d) => [d.event, d.status, d.attempts]),
    ).toEqual([
      ['trigger', 'sent', 1],
      ['resolve', 'failed', 2],
      ['resolve', 'sent', 1],
    ]);
  });
});
