import { AlertsSchema, AnomaliesSchema, BudgetSchema } from '@tokenwatch/config';
import type { LlmCall } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeReceiver, startFakeReceiver } from '../../test/support/receivers.ts';
import { callsEvery } from '../../test/support/test-calls.ts';
import { floorMinute } from '../shared/duration.ts';
import { createAlertEngine } from './engine.ts';
import { listAlertOccurrences } from './history-repository.ts';

// Findings 1 and 2: a rolling per-agent budget, evaluated every minute for an hour. Its window
// has no period: each agent's threshold is one alert, firing once when spend in the window
// crosses it, repeating per its severity's repeat interval, resolving when spend falls back
// under. Every text on every receiver, and the summary the weekly report reads, names the agent
// and, with two tenants here, the tenant.

const MIN = 60_000;
const T = floorMinute(Date.now()) - 2 * 60 * MIN;
const END = T + 60 * MIN;
/** Tenant, agent, cost of its one call a minute (a $2 hourly budget: 60 × cost ÷ 2 spent). */
const SPENDERS: [string, string, string][] = [
  ['fleet', 'a1', '0.075'], // 225 %, stops at T + 10 min
  ['fleet', 'a2', '0.028'], // 84 %
  ['fleet', 'a3', '0.02'], // 60 %
  ['fleet', 'a4', '0.008'], // 24 %
  ['other', 'a1', '0.04'], // 120 %, another tenant's agent of the same name
];

function traffic(): LlmCall[] {
  return SPENDERS.flatMap(([tenant, agent, cost]) => {
    const until = tenant === 'fleet' && agent === 'a1' ? T + 10 * MIN : END;
    // Half past each minute, so no call sits on a window's edge.
    return callsEvery(T - 2 * 60 * MIN + MIN / 2, until, MIN, () => ({
      tenant,
      agent,
      inputTokens: 1000,
      totalCost: cost,
    }));
  });
}

let t: TestStore;
let am: FakeReceiver;
let pd: FakeReceiver;
let slack: FakeReceiver;
let hook: FakeReceiver;

beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, traffic());
  [am, pd, slack, hook] = await Promise.all([
    startFakeReceiver(200),
    startFakeReceiver(202, '{"status":"success"}'),
    startFakeReceiver(200, 'ok'),
    startFakeReceiver(200),
  ]);
  const engine = createAlertEngine({
    store: t.store,
    config: {
      alerts: AlertsSchema.parse({
        evaluate_every: '1m',
        repeat_interval: { page: '20m' },
        receivers: [
          { name: 'am', type: 'alertmanager', url: am.url },
          { name: 'pd', type: 'pagerduty', routing_key_env: 'PD', url: pd.url },
          { name: 'chat', type: 'slack', webhook_url_env: 'SLACK' },
          { name: 'hook', type: 'webhook', url: hook.url },
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
      budgets: [
        BudgetSchema.parse({
          id: 'per-agent-hour',
          per: 'agent',
          period: 'rolling',
          window: '1h',
          limit_usd: 2,
        }),
      ],
      anomalies: AnomaliesSchema.parse({ entities: ['agent'] }),
      timezone: 'UTC',
    },
    env: { PD: 'k'.repeat(32), SLACK: slack.url },
    retry: { attempts: 2, baseDelayMs: 5 },
  });
  for (let at = T; at <= END; at += MIN) {
    const result = await engine.evaluate(new Date(at));
    expect(result.errors).toEqual([]);
  }
});
afterAll(async () => {
  await Promise.all([am, pd, slack, hook].map((r) => r?.close()));
  await t?.cleanup();
});

type Hook = {
  status: string;
  groupKey: string;
  notification_reason: string;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: { fingerprint: string; startsAt: string; endsAt: string }[];
};
const hooks = () => hook.bodies() as Hook[];
const identity = (m: Hook) =>
  `${m.commonLabels.tenant} ${m.commonLabels.instance} ${m.commonLabels.threshold_pct}`;
const minuteOf = (iso: string) => (Date.parse(iso) - T) / MIN;

describe('a rolling per-agent budget over an hour of evaluations', () => {
  it('fires each threshold of each agent once, repeats pages per repeat_interval, resolves when spend falls under', () => {
    const events = hooks().map((m): [string, string] => [identity(m), m.notification_reason]);
    const count = (id: string, reason: string) =>
      events.filter(([i, r]) => i === id && r === reason).length;
    const ids = [...new Set(events.map(([id]) => id))].sort();
    // a1's 50 % and 80 % are muted by its 100 % until that resolves; a4 never reaches 50 %.
    expect(ids).toEqual([
      'fleet agent=a1 100',
      'fleet agent=a1 50',
      'fleet agent=a1 80',
      'fleet agent=a2 50',
      'fleet agent=a2 80',
      'fleet agent=a3 50',
      'other agent=a1 100',
    ]);
    for (const id of ids) expect(count(id, 'first notification')).toBe(1);
    // Pages repeat every 20 minutes while over; tickets (4 h) never within the hour.
    expect(count('other agent=a1 100', 'repeat interval elapsed')).toBe(3);
    expect(count('fleet agent=a1 100', 'repeat interval elapsed')).toBe(2);
    expect(events.filter(([, r]) => r === 'repeat interval elapsed')).toHaveLength(5);
    // fleet a1 stopped at T+10: its window falls under $2 at T+43, $1.60 at T+48, $1 at T+56;
    // each resolves once its condition has stayed false for three evaluations.
    const resolves = hooks()
      .filter((m) => m.status === 'resolved')
      .map((m) => [identity(m), minuteOf(m.alerts[0]!.endsAt)]);
    expect(resolves).toEqual([
      ['fleet agent=a1 100', 45],
      ['fleet agent=a1 80', 50],
      ['fleet agent=a1 50', 58],
    ]);
    // The muted thresholds are told when the page that muted them resolves.
    const firstOf = (id: string) =>
      hooks().findIndex(
        (m) => identity(m) === id && m.notification_reason === 'first notification',
      );
    expect(firstOf('fleet agent=a1 80')).toBeGreaterThan(firstOf('fleet agent=a1 100'));
  });

  it('keeps every dedup key to the identity: one per alert at PagerDuty, webhooks and Alertmanager', () => {
    const triggers = (pd.bodies() as { event_action: string; dedup_key: string }[]).filter(
      (b) => b.event_action === 'trigger',
    );
    // Seven alerts, seven keys; the five repeats re-use theirs.
    expect(triggers).toHaveLength(7 + 5);
    expect(new Set(triggers.map((b) => b.dedup_key)).size).toBe(7);
    expect(new Set(hooks().map((m) => m.groupKey)).size).toBe(7);
    const pushed = (am.bodies() as { labels: Record<string, string> }[][]).flat();
    expect(new Set(pushed.map((a) => JSON.stringify(a.labels))).size).toBe(7);
    expect(pushed.every((a) => a.labels.period_start === undefined)).toBe(true);
  });

  it('names the agent and the tenant in every text of every receiver and in the stored summary', async () => {
    const page = 'agent a1 (tenant fleet) reached 100% of budget per-agent-hour (225% spent)';
    expect(hooks()[0]!.commonAnnotations.summary).toBe(page);
    const named = (text: string | undefined, labels: Record<string, string>) => {
      const agent = labels.instance!.replace('agent=', '');
      return text?.includes(`agent ${agent} (tenant ${labels.tenant})`) === true;
    };
    for (const m of hooks()) {
      expect(named(m.commonAnnotations.summary, m.commonLabels)).toBe(true);
      expect(named(m.commonAnnotations.description, m.commonLabels)).toBe(true);
    }
    for (const a of (
      am.bodies() as { labels: Record<string, string>; annotations: { summary: string } }[][]
    ).flat())
      expect(named(a.annotations.summary, a.labels)).toBe(true);
    const pdTriggers = (
      pd.bodies() as {
        event_action: string;
        payload?: { summary: string; custom_details: { labels: Record<string, string> } };
      }[]
    ).filter((b) => b.event_action === 'trigger');
    expect(pdTriggers[0]!.payload!.summary).toBe(`[Tokenwatch] ${page}`);
    for (const b of pdTriggers)
      expect(named(b.payload!.summary, b.payload!.custom_details.labels)).toBe(true);
    const slackTexts = (slack.bodies() as { text: string }[]).map((b) => b.text);
    expect(slackTexts).toContain(`[FIRING] ${page}`);
    expect(slackTexts.every((text) => /agent a\d \(tenant (fleet|other)\)/.test(text))).toBe(true);

    const stored = await listAlertOccurrences(t.store, {
      tenant: 'fleet',
      from: new Date(T),
      to: new Date(END + MIN),
    });
    expect(stored).toHaveLength(6);
    for (const o of stored) expect(named(o.annotations.summary, o.labels)).toBe(true);
  });
});
