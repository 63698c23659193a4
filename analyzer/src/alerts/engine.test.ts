import { createHmac } from 'node:crypto';
import { AlertsSchema, AnomaliesSchema } from '@tokenwatch/config';
import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeReceiver, startFakeReceiver } from '../../test/support/receivers.ts';
import { callsEvery } from '../../test/support/test-calls.ts';
import { floorMinute } from '../shared/duration.ts';
import { type AlertEngine, type AlertEngineConfig, createAlertEngine } from './engine.ts';
import { fingerprintOf } from './labels.ts';
import { listDeliveries } from './state-repository.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const tenant = 'runaway';
// The runaway starts at T, a whole minute after an hour of normal traffic, and stops at END.
const T = floorMinute(Date.now()) - 3 * 60 * MIN;
const END = T + 10 * MIN;
const agentName = (i: number) => `a${String(i).padStart(2, '0')}`;
const costOf = (tokens: number) => `0.${String(tokens).padStart(5, '0')}`;

/** 20 agents: a call every 5 s of 100 + 50·i tokens; a07 goes to 4× (every 1.25 s) at T. */
function traffic(): LlmCall[] {
  const calls: LlmCall[] = [];
  for (let i = 0; i < 20; i++) {
    const tokens = 100 + 50 * i;
    const call = () => ({
      tenant,
      agent: agentName(i),
      team: 'core',
      responseModel: 'gpt-4o-mini',
      inputTokens: tokens - 20,
      outputTokens: 20,
      totalCost: costOf(tokens),
    });
    calls.push(...callsEvery(T - 60 * MIN, T, 5 * SEC, call));
    calls.push(...callsEvery(T, END, i === 7 ? 1.25 * SEC : 5 * SEC, call));
  }
  return calls;
}

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';
const HMAC_SECRET = 'hook-secret';
let t: TestStore;
let am: FakeReceiver;
let pd: FakeReceiver;
let slack: FakeReceiver;
let hook: FakeReceiver;
let config: AlertEngineConfig;
let env: Record<string, string>;

beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, traffic());
  [am, pd, slack, hook] = await Promise.all([
    startFakeReceiver(200),
    startFakeReceiver(202, '{"status":"success"}'),
    startFakeReceiver(200, 'ok'),
    startFakeReceiver(200),
  ]);
  env = { PD_KEY: ROUTING_KEY, SLACK_URL: `${slack.url}/services/T0/B0/x`, HOOK_KEY: HMAC_SECRET };
  config = {
    alerts: AlertsSchema.parse({
      external_url: 'https://tokenwatch.example.invalid',
      receivers: [
        { name: 'am', type: 'alertmanager', url: am.url },
        { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY', url: `${pd.url}/v2/enqueue` },
        { name: 'chat', type: 'slack', webhook_url_env: 'SLACK_URL' },
        { name: 'hook', type: 'webhook', url: `${hook.url}/in`, hmac_secret_env: 'HOOK_KEY' },
      ],
      rules: [
        {
          name: 'runaway',
          kind: 'burn_rate_anomaly',
          severity: 'page',
          labels: { team: 'platform' },
          annotations: { summary: '{{entity}} at {{ratio}}x ({{cost_usd}} USD in 2m)' },
          repeat_interval: '1m',
        },
      ],
    }),
    budgets: [],
    anomalies: AnomaliesSchema.parse({ entities: ['agent'] }),
    timezone: 'UTC',
  };
});
afterAll(async () => {
  await Promise.all([am, pd, slack, hook].map((r) => r?.close()));
  await t.cleanup();
});

const engine = (): AlertEngine =>
  createAlertEngine({ store: t.store, config, env, retry: { attempts: 3, baseDelayMs: 5 } });

const labels = {
  alertname: 'runaway',
  severity: 'page',
  tenant,
  team: 'platform',
  entity_kind: 'agent',
  entity_value: 'a07',
  entity: 'agent:a07',
};
const fingerprint = fingerprintOf(labels);
const FIRST = T + 150.5 * SEC;
const summary = 'agent:a07 at 4x (0.432 USD in 2m)';

describe('alert engine: a runaway agent among 20, notified through real HTTP receivers', () => {
  let first: AlertEngine;

  it('fires once and notifies each receiver with the reference payloads', async () => {
    first = engine();
    const result = await first.evaluate(new Date(FIRST));
    expect(result.errors).toEqual([]);
    expect(result.alerts.map((a) => [a.fingerprint, a.state, a.muted])).toEqual([
      [fingerprint, 'firing', false],
    ]);
    expect(result.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}`)).toEqual([
      'am:trigger:sent',
      'pd:trigger:sent',
      'chat:trigger:sent',
      'hook:trigger:sent',
    ]);

    expect(am.requests.map((r) => r.path)).toEqual(['/api/v2/alerts']);
    const [pushed] = am.bodies() as unknown[][];
    expect(pushed).toEqual([
      {
        labels,
        annotations: expect.objectContaining({ summary }),
        startsAt: new Date(FIRST).toISOString(),
        // Alertmanager's resolve_timeout: five minutes without a re-send ends it.
        endsAt: new Date(FIRST + 5 * MIN).toISOString(),
        generatorURL: `https://tokenwatch.example.invalid/api/v1/alerts/${fingerprint}`,
      },
    ]);

    expect(pd.requests.map((r) => r.path)).toEqual(['/v2/enqueue']);
    expect(pd.bodies()[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: `tokenwatch-${fingerprint}`,
      payload: {
        summary: `[Tokenwatch] ${summary}`,
        severity: 'critical',
        source: 'tokenwatch-analyzer',
        timestamp: new Date(FIRST).toISOString(),
        component: 'agent:a07',
        group: tenant,
        class: 'burn_rate_anomaly',
      },
    });

    expect(slack.requests.map((r) => r.path)).toEqual(['/services/T0/B0/x']);
    const message = slack.bodies()[0] as { text: string; blocks: { type: string }[] };
    expect(message.text).toBe(`[FIRING] ${summary}`);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(JSON.stringify(message.blocks[1])).toContain(
      '4x (long window) / 4x (short window) over a baseline of 5400 tokens/min; 43200 tokens, 0.432 USD in 96 calls; projected 12.96 USD/h; top model gpt-4o-mini',
    );

    const [signed] = hook.requests;
    const expected = createHmac('sha256', HMAC_SECRET).update(signed!.body).digest('hex');
    expect(signed!.headers['x-tokenwatch-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(signed!.body)).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      notification_reason: 'first notification',
      commonLabels: labels,
      alerts: [{ status: 'firing', fingerprint, endsAt: '0001-01-01T00:00:00Z' }],
    });
  });

  it('re-pushes to Alertmanager each evaluation but does not re-page within the repeat interval', async () => {
    await first.evaluate(new Date(FIRST + 20 * SEC));
    expect(am.requests).toHaveLength(2);
    expect((am.bodies()[1] as { startsAt: string }[])[0]!.startsAt).toBe(
      new Date(FIRST).toISOString(),
    );
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 1, 1]);
  });

  it('a new engine over the same store carries the incident on without a duplicate page', async () => {
    const second = engine();
    expect((await second.list()).map((a) => [a.fingerprint, a.state, a.startsAt])).toEqual([
      [fingerprint, 'firing', new Date(FIRST)],
    ]);
    const result = await second.evaluate(new Date(FIRST + 50 * SEC));
    expect(result.deliveries.map((d) => `${d.receiver}:${d.event}`)).toEqual(['am:repeat']);
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([1, 1, 1]);

    // 60.5 s after the first page the 1m repeat interval has passed.
    const repeat = await second.evaluate(new Date(FIRST + 60.5 * SEC));
    expect(repeat.deliveries.map((d) => `${d.receiver}:${d.event}`)).toEqual([
      'am:repeat',
      'pd:repeat',
      'chat:repeat',
      'hook:repeat',
    ]);
    expect(pd.bodies()[1]).toMatchObject({
      event_action: 'trigger',
      dedup_key: `tokenwatch-${fingerprint}`,
    });
    expect((slack.bodies()[1] as { text: string }).text).toMatch(/^\[STILL FIRING\] agent:a07/);
    expect(JSON.parse(hook.requests[1]!.body)).toMatchObject({
      notification_reason: 'repeat interval elapsed',
    });
  });

  it('resolves once the runaway has stopped for three evaluations, telling every receiver it paged', async () => {
    const third = engine();
    // A restarted engine does not know when the condition was last seen: it counts from now.
    const stopped = END + 150 * SEC;
    for (const at of [stopped, stopped + 30 * SEC, stopped + 59 * SEC]) {
      const kept = await third.evaluate(new Date(at));
      expect(kept.alerts.map((a) => [a.fingerprint, a.state])).toEqual([[fingerprint, 'firing']]);
      expect(kept.resolved).toEqual([]);
    }
    // Still firing, so still repeated once its minute had passed.
    expect([pd.requests.length, slack.requests.length, hook.requests.length]).toEqual([3, 3, 3]);
    const resolvedAt = stopped + 90 * SEC;
    const result = await third.evaluate(new Date(resolvedAt));
    expect(result.alerts).toEqual([]);
    expect(result.resolved.map((a) => [a.fingerprint, a.state, a.endsAt])).toEqual([
      [fingerprint, 'resolved', new Date(resolvedAt)],
    ]);
    expect(result.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}`).sort()).toEqual([
      'am:resolve:sent',
      'chat:resolve:sent',
      'hook:resolve:sent',
      'pd:resolve:sent',
    ]);
    expect(am.bodies().at(-1)).toEqual([
      expect.objectContaining({
        startsAt: new Date(FIRST).toISOString(),
        endsAt: new Date(resolvedAt).toISOString(),
      }),
    ]);
    expect(pd.bodies().at(-1)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: `tokenwatch-${fingerprint}`,
    });
    expect((slack.bodies().at(-1) as { text: string }).text).toBe(`[RESOLVED] ${summary}`);
    expect(JSON.parse(hook.requests.at(-1)!.body)).toMatchObject({
      status: 'resolved',
      alerts: [{ status: 'resolved', endsAt: new Date(resolvedAt).toISOString() }],
    });

    // Nothing open survives a restart, and nothing more is sent.
    const after = engine();
    expect(await after.list()).toEqual([]);
    const quiet = await after.evaluate(new Date(resolvedAt + 30 * SEC));
    expect(quiet.deliveries).toEqual([]);
  });

  it('recorded every delivery, and never a secret', async () => {
    const log = await listDeliveries(t.store, { tenant, fingerprint });
    expect(log.filter((d) => d.receiver === 'pd').map((d) => d.event)).toEqual([
      'trigger',
      'repeat',
      'repeat',
      'resolve',
    ]);
    // Four evaluations while firing, three more while kept firing, and the resolve.
    expect(log.filter((d) => d.receiver === 'am')).toHaveLength(8);
    expect(log.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
    expect(JSON.stringify(log)).not.toContain(ROUTING_KEY);
  });

  it('a dry run reports what it would send and sends nothing', async () => {
    const dry = engine();
    const before = pd.requests.length;
    const result = await dry.evaluate(new Date(FIRST), { dryRun: true });
    expect(result.deliveries.map((d) => `${d.receiver}:${d.event}:${d.status}`)).toEqual([
      'am:trigger:dry-run',
      'pd:trigger:dry-run',
      'chat:trigger:dry-run',
      'hook:trigger:dry-run',
    ]);
    expect(pd.requests.length).toBe(before);
    expect(await engine().list()).toEqual([]);
  });
});
