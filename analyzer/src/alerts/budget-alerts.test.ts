import { AlertsSchema, AnomaliesSchema, BudgetSchema } from '@tokenwatch/config';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeReceiver, startFakeReceiver } from '../../test/support/receivers.ts';
import { makeCall } from '../../test/support/test-calls.ts';
import { type AlertEngine, type AlertEngineConfig, createAlertEngine } from './engine.ts';
import { listDeliveries } from './state-repository.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// A UTC day two days ago: the budgets are daily, so the next day is a new period.
const D = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;

let t: TestStore;
let pd: FakeReceiver;
let slack: FakeReceiver;
let broken: FakeReceiver;
let config: AlertEngineConfig;
let engine: AlertEngine;

const spend = (tenant: string, at: number, usd: string) =>
  makeCall({ tenant, at, agent: 'coder', team: 'a', inputTokens: 1000, totalCost: usd });

beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, [
    // steady: 55 % after 1 h, 85 % after 2 h, 105 % after 3 h of a $10 day.
    spend('steady', D + HOUR + 5_000, '5.5'),
    spend('steady', D + 2 * HOUR + 5_000, '3'),
    spend('steady', D + 3 * HOUR + 5_000, '2'),
    // jump: 0 to 120 % in one call.
    spend('jump', D + HOUR + 5_000, '12'),
  ]);
  [pd, slack, broken] = await Promise.all([
    startFakeReceiver(202, '{"status":"success"}'),
    startFakeReceiver(200, 'ok'),
    startFakeReceiver(400, 'invalid_payload'),
  ]);
  // The first PagerDuty event meets a transient failure.
  pd.script(500);
  const budget = (tenant: string) =>
    BudgetSchema.parse({ id: `${tenant}-daily`, tenant, period: 'daily', limit_usd: 10 });
  config = {
    alerts: AlertsSchema.parse({
      receivers: [
        { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY', url: `${pd.url}/v2/enqueue` },
        { name: 'chat', type: 'slack', webhook_url_env: 'SLACK_URL' },
        { name: 'broken', type: 'webhook', url: broken.url },
      ],
      rules: [
        { name: 'budget_exhausted', kind: 'budget_threshold', severity: 'page', thresholds: [1] },
        {
          name: 'budget_threshold',
          kind: 'budget_threshold',
          severity: 'ticket',
          thresholds: [0.5, 0.8],
        },
      ],
    }),
    budgets: [budget('steady'), budget('jump')],
    anomalies: AnomaliesSchema.parse({}),
    timezone: 'UTC',
  };
  engine = createAlertEngine({
    store: t.store,
    config,
    env: { PD_KEY: 'k'.repeat(32), SLACK_URL: `${slack.url}/hook` },
    retry: { attempts: 3, baseDelayMs: 5 },
  });
});
afterAll(async () => {
  await Promise.all([pd, slack, broken].map((r) => r?.close()));
  await t.cleanup();
});

type SlackBody = { text: string };
const slackTexts = (tenant: string) =>
  (slack.bodies() as SlackBody[])
    .map((b) => b.text)
    .filter((text) => text.includes(`tenant ${tenant} `));

describe('budget threshold alerts', () => {
  it('retries a 500 and delivers once; a 400 is not retried and is recorded as failed', async () => {
    const result = await engine.evaluate(new Date(D + HOUR + MIN));
    const steady = result.deliveries.filter((d) => d.tenant === 'steady');
    expect(steady.map((d) => [d.receiver, d.event, d.status, d.httpStatus])).toEqual([
      ['pd', 'trigger', 'sent', 202],
      ['chat', 'trigger', 'sent', 200],
      ['broken', 'trigger', 'failed', 400],
    ]);
    expect(steady[2]).toMatchObject({ attempts: 1, error: 'HTTP 400: invalid_payload' });
    // Two events (steady 50 %, jump 100 %), three requests: the first one was retried as is.
    const sentToPd = result.deliveries.filter((d) => d.receiver === 'pd');
    expect(sentToPd.map((d) => [d.status, d.attempts])).toEqual([
      ['sent', 2],
      ['sent', 1],
    ]);
    expect(pd.requests).toHaveLength(3);
    expect(pd.requests[1]!.body).toBe(pd.requests[0]!.body);
    expect(new Set(pd.requests.map((r) => r.body)).size).toBe(2);
    const steadyEvent = pd.bodies().find((b) => JSON.stringify(b).includes('steady-daily'));
    expect(steadyEvent).toMatchObject({
      event_action: 'trigger',
      payload: {
        summary: '[Tokenwatch] tenant steady reached 50% of budget steady-daily (55% spent)',
        severity: 'warning',
      },
    });
    const logged = await listDeliveries(t.store, { tenant: 'steady' });
    expect(logged.map((d) => [d.receiver, d.status, d.error])).toEqual([
      ['broken', 'failed', 'HTTP 400: invalid_payload'],
      ['chat', 'sent', ''],
      ['pd', 'sent', ''],
    ]);
  });

  it('inhibits 50 % and 80 % when 100 % fires with them', async () => {
    const open = (await engine.list({ tenant: 'jump' }))
      .map((a) => [a.labels.threshold_pct, a.severity, a.state, a.muted])
      .sort();
    expect(open).toEqual([
      ['100', 'page', 'firing', false],
      ['50', 'ticket', 'firing', true],
      ['80', 'ticket', 'firing', true],
    ]);
    expect(slackTexts('jump')).toEqual([
      '[FIRING] tenant jump reached 100% of budget jump-daily (120% spent)',
    ]);
    const jumpEvents = [...new Set(pd.requests.map((r) => r.body))]
      .map((body) => JSON.parse(body) as { payload: { summary: string; severity: string } })
      .filter((b) => b.payload.summary.includes('jump'))
      .map((b) => [b.payload.summary, b.payload.severity]);
    expect(jumpEvents).toEqual([
      ['[Tokenwatch] tenant jump reached 100% of budget jump-daily (120% spent)', 'critical'],
    ]);
  });

  it('sends 50 %, 80 % and 100 % once each in a period, and never repeats them', async () => {
    await engine.evaluate(new Date(D + 2 * HOUR + MIN));
    await engine.evaluate(new Date(D + 3 * HOUR + MIN));
    // Hours later, past every per-severity repeat interval: thresholds fire once per period.
    await engine.evaluate(new Date(D + 9 * HOUR));
    await createAlertEngine({ store: t.store, config, env: {} }).evaluate(new Date(D + 20 * HOUR));
    expect(slackTexts('steady')).toEqual([
      '[FIRING] tenant steady reached 50% of budget steady-daily (55% spent)',
      '[FIRING] tenant steady reached 80% of budget steady-daily (85% spent)',
      '[FIRING] tenant steady reached 100% of budget steady-daily (105% spent)',
    ]);
    // The failed webhook got each threshold once too: a 400 is not retried at later evaluations.
    expect(broken.requests).toHaveLength(4);
  });

  it('resolves the thresholds when the period ends', async () => {
    const result = await engine.evaluate(new Date(D + DAY + HOUR));
    expect(result.resolved.map((a) => `${a.tenant}:${a.labels.threshold_pct}`).sort()).toEqual([
      'jump:100',
      'jump:50',
      'jump:80',
      'steady:100',
      'steady:50',
      'steady:80',
    ]);
    // Only what was notified is resolved at PagerDuty: 3 for steady, the page for jump.
    const resolves = (pd.bodies() as { event_action: string }[]).filter(
      (b) => b.event_action === 'resolve',
    );
    expect(resolves).toHaveLength(4);
  });
});
