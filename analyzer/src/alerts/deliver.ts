/**
 * @module
 * Decides who hears about what (routing, repeat intervals, resolves) and sends it.
 */

import type { AlertReceiverConfig, AlertRuleConfig, AlertsConfig } from '@tokenwatch/config';
import { parseDuration } from '../shared/duration.ts';
import { notify } from './notifiers/index.ts';
import type { NotificationItem, NotifyContext } from './notifiers/types.ts';
import type { AlertInstance, DeliveryResult, NotificationEvent } from './types.ts';

/** What {@link planDeliveries} needs. */
export type PlanInput = {
  alerts: AlertsConfig;
  rules: ReadonlyMap<string, AlertRuleConfig>;
  /** Open firing alerts that are not muted. */
  notifiable: readonly AlertInstance[];
  /**
   * Alerts that resolved at this evaluation, and `resolving` ones whose resolve some receivers
   * still have to get: each receiver in their `notified` gets a resolve.
   */
  resolved: readonly AlertInstance[];
  now: Date;
};

/** Receiver name → the items to send it. */
export type DeliveryPlan = Map<string, NotificationItem[]>;

/**
 * The repeat interval of an alert in ms; null for never. A budget threshold of a period (a day, a
 * month, a session) is news once per period and never repeats by default; one of a rolling window
 * has no period, so it repeats like any alert of its severity while spend stays over it.
 */
export function repeatIntervalMs(
  alerts: AlertsConfig,
  rule: AlertRuleConfig | undefined,
  alert: AlertInstance,
): number | null {
  const oncePerPeriod =
    alert.kind === 'budget_threshold' && alert.labels.period_start !== undefined;
  const configured =
    rule?.repeat_interval ?? (oncePerPeriod ? 'never' : alerts.repeat_interval[alert.severity]);
  return configured === 'never' ? null : parseDuration(configured);
}

/**
 * Plans the notifications of one evaluation. Alertmanager receivers get every notifiable alert at
 * every evaluation (its push API wants firing alerts re-sent until they resolve); other receivers
 * get a trigger once, a repeat when the repeat interval has passed since the last one, and a
 * resolve if they were told about the alert.
 */
export function planDeliveries(input: PlanInput): DeliveryPlan {
  const receivers = new Map(input.alerts.receivers.map((r) => [r.name, r]));
  const plan: DeliveryPlan = new Map();
  const add = (receiver: string, item: NotificationItem) => {
    if (!receivers.has(receiver)) return;
    const items = plan.get(receiver) ?? [];
    items.push(item);
    plan.set(receiver, items);
  };
  for (const alert of input.notifiable) {
    const rule = input.rules.get(alert.rule);
    const repeatMs = repeatIntervalMs(input.alerts, rule, alert);
    for (const name of rule?.receivers ?? [...receivers.keys()]) {
      const last = alert.notified[name];
      let event: NotificationEvent | undefined;
      if (last === undefined) event = 'trigger';
      else if (receivers.get(name)?.type === 'alertmanager') event = 'repeat';
      else if (repeatMs !== null && input.now.getTime() - last >= repeatMs) event = 'repeat';
      if (event) add(name, { alert, event });
    }
  }
  for (const alert of input.resolved)
    for (const name of Object.keys(alert.notified)) add(name, { alert, event: 'resolve' });
  return plan;
}

/**
 * Sends a plan (receivers one after another, so a slow one delays but never loses the others) and
 * returns one result per item. A dry run sends nothing and reports `dry-run`.
 */
export async function sendPlan(
  plan: DeliveryPlan,
  receivers: readonly AlertReceiverConfig[],
  ctx: NotifyContext,
  dryRun: boolean,
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = [];
  for (const receiver of receivers) {
    const items = plan.get(receiver.name);
    if (!items?.length) continue;
    const outcomes = dryRun ? [] : await notify(receiver, items, ctx);
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      results.push({
        tenant: item.alert.tenant,
        fingerprint: item.alert.fingerprint,
        rule: item.alert.rule,
        receiver: receiver.name,
        receiverKind: receiver.type,
        event: item.event,
        status: dryRun ? 'dry-run' : outcome?.ok ? 'sent' : 'failed',
        attempts: outcome?.attempts ?? 0,
        httpStatus: outcome?.status ?? 0,
        error: outcome?.error ?? '',
        retryable: outcome?.retryable ?? false,
        sentAt: ctx.now,
      });
    });
  }
  return results;
}
