import type { AlertRuleConfig } from '@tokenwatch/config';
import { describe, expect, it } from 'vitest';
import { mutedFingerprints } from './inhibition.ts';
import { fingerprintOf, renderTemplate } from './labels.ts';
import { reconcile } from './lifecycle.ts';
import type { AlertInstance } from './types.ts';

const alert = (
  over: Partial<AlertInstance> & { labels: Record<string, string> },
): AlertInstance => ({
  tenant: 'acme',
  fingerprint: fingerprintOf(over.labels),
  rule: 'r',
  kind: 'burn_rate_anomaly',
  severity: 'ticket',
  state: 'firing',
  annotations: {},
  activeAt: new Date(0),
  startsAt: new Date(0),
  endsAt: null,
  notified: {},
  version: 1,
  ...over,
});

describe('fingerprints and templates', () => {
  it('ignore label order and fill placeholders with the numbers', () => {
    expect(fingerprintOf({ a: '1', b: '2' })).toBe(fingerprintOf({ b: '2', a: '1' }));
    expect(fingerprintOf({ a: '1', b: '2' })).not.toBe(fingerprintOf({ a: '1', b: '3' }));
    expect(
      renderTemplate('{{ entity }} at {{ratio}}x, {{nope}}', { entity: 'agent:x', ratio: 4.5 }),
    ).toBe('agent:x at 4.5x, {{nope}}');
  });
});

describe('mutedFingerprints', () => {
  it('lets a page mute tickets about the same entity only, in the same tenant', () => {
    const page = alert({ severity: 'page', labels: { alertname: 'p', entity: 'agent:a' } });
    const sameTicket = alert({ labels: { alertname: 't', entity: 'agent:a' } });
    const otherEntity = alert({ labels: { alertname: 't', entity: 'agent:b' } });
    const otherTenant = alert({ tenant: 'b', labels: { alertname: 't2', entity: 'agent:a' } });
    const info = alert({ severity: 'info', labels: { alertname: 'i', entity: 'agent:a' } });
    expect(mutedFingerprints([page, sameTicket, otherEntity, otherTenant, info])).toEqual(
      new Set([sameTicket.fingerprint]),
    );
  });

  it('lets 100 % mute 50 % and 80 % of the same budget period, not of another period', () => {
    const budget = (pct: string, period = 'p1') =>
      alert({
        kind: 'budget_threshold',
        severity: pct === '100' ? 'page' : 'ticket',
        labels: {
          budget_id: 'b',
          entity: `budget:b:${pct}`,
          period_start: period,
          threshold_pct: pct,
        },
      });
    const [full, fifty, eighty, lastPeriod] = [
      budget('100'),
      budget('50'),
      budget('80'),
      budget('80', 'p0'),
    ];
    expect(mutedFingerprints([full!, fifty!, eighty!, lastPeriod!])).toEqual(
      new Set([fifty!.fingerprint, eighty!.fingerprint]),
    );
  });
});

describe('reconcile', () => {
  const rule: AlertRuleConfig = {
    name: 'r',
    kind: 'unpriced_calls',
    severity: 'info',
    labels: {},
    annotations: {},
    window: '1h',
    min_calls: 1,
    for: '2m',
  };
  const candidate = {
    rule,
    tenant: 'acme',
    labels: { entity: 'tenant:acme' },
    values: { unpriced_calls: 3, unpriced_pct: '30' },
  };

  it('holds an alert pending for its `for`, then fires; a lapsed pending alert never fires', () => {
    const t0 = new Date(0);
    const first = reconcile({
      open: new Map(),
      candidates: [candidate],
      now: t0,
      failedRules: new Set(),
      keepFiringMs: () => 0,
    });
    const [pending] = first.open.values();
    expect(pending).toMatchObject({
      state: 'pending',
      annotations: { summary: '3 calls without a price in tenant acme (30%)' },
    });
    const still = reconcile({
      open: first.open,
      candidates: [candidate],
      now: new Date(60_000),
      failedRules: new Set(),
      keepFiringMs: () => 0,
    });
    expect([...still.open.values()][0]!.state).toBe('pending');
    const fired = reconcile({
      open: still.open,
      candidates: [candidate],
      now: new Date(120_000),
      failedRules: new Set(),
      keepFiringMs: () => 0,
    });
    expect([...fired.open.values()][0]).toMatchObject({
      state: 'firing',
      startsAt: new Date(120_000),
      activeAt: t0,
    });

    const lapsed = reconcile({
      open: still.open,
      candidates: [],
      now: new Date(90_000),
      failedRules: new Set(),
      keepFiringMs: () => 0,
    });
    expect(lapsed.resolved).toEqual([]);
    expect(lapsed.changed.map((a) => a.state)).toEqual(['inactive']);
    // A failing rule keeps its alerts open rather than resolving them.
    const kept = reconcile({
      open: fired.open,
      candidates: [],
      now: new Date(180_000),
      failedRules: new Set(['r']),
      keepFiringMs: () => 0,
    });
    expect([...kept.open.values()][0]!.state).toBe('firing');
    expect(kept.changed).toEqual([]);
  });
});
