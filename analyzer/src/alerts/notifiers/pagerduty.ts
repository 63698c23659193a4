import type { AlertSeverity } from '@tokenwatch/config';
import { unsent } from '../../shared/http-delivery.ts';
import type { AlertInstance } from '../types.ts';
import {
  generatorUrl,
  type NotificationItem,
  type NotifyContext,
  type Sender,
  sendEach,
} from './types.ts';

/** Tokenwatch severities as PagerDuty severities. */
export const PAGERDUTY_SEVERITY: Record<AlertSeverity, 'critical' | 'warning' | 'info'> = {
  page: 'critical',
  ticket: 'warning',
  info: 'info',
};

/** Events API v2 limits `payload.summary` to 1024 characters. */
const MAX_SUMMARY = 1024;

/** The dedup key of an alert: stable across evaluations and restarts, ≤ 255 characters. */
export const pagerDutyDedupKey = (alert: AlertInstance): string =>
  `tokenwatch-${alert.fingerprint}`;

/** An Events API v2 body; `routingKey` comes from the environment at send time. */
export function toPagerDutyEvent(
  item: NotificationItem,
  routingKey: string,
  ctx: NotifyContext,
): Record<string, unknown> {
  const { alert } = item;
  const dedupKey = pagerDutyDedupKey(alert);
  if (item.event === 'resolve')
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const summary = `[Tokenwatch] ${alert.annotations.summary ?? alert.rule}`;
  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary,
      source: 'tokenwatch-analyzer',
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.startsAt.toISOString(),
      component: alert.labels.entity ?? alert.rule,
      group: alert.tenant,
      class: alert.kind,
      custom_details: { ...alert.annotations, labels: alert.labels },
    },
    client: 'tokenwatch-analyzer',
  };
  const url = generatorUrl(ctx, alert);
  if (url) event.client_url = url;
  return event;
}

/** Sends one event per item; a missing routing key fails the items without a request. */
export const sendPagerDuty: Sender<{ url: string; routing_key_env: string }> = async (
  receiver,
  items,
  ctx,
) => {
  // The routing key travels in the body, not as a URL or a signature, so it is read here.
  const routingKey = ctx.env[receiver.routing_key_env];
  if (!routingKey) return items.map(() => unsent(`${receiver.routing_key_env} is not set`));
  return sendEach(
    { url: receiver.url },
    items,
    (item) => toPagerDutyEvent(item, routingKey, ctx),
    ctx,
  );
};
