import type { AlertInstance, NotificationEvent } from '../types.ts';
import { generatorUrl, type NotifyContext, type Sender, sendEach } from './types.ts';

/** Alertmanager's value for "no end yet" on firing alerts in webhooks. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const REASON: Record<NotificationEvent, string> = {
  trigger: 'first notification',
  repeat: 'repeat interval elapsed',
  resolve: 'all alerts resolved',
};

/** An Alertmanager webhook (version "4") message holding one alert, grouped by its labels. */
export function toWebhookMessage(
  alert: AlertInstance,
  event: NotificationEvent,
  receiver: string,
  ctx: NotifyContext,
): Record<string, unknown> {
  const status = event === 'resolve' ? 'resolved' : 'firing';
  const groupLabels = Object.keys(alert.labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(alert.labels[name])}`)
    .join(', ');
  return {
    version: '4',
    groupKey: `{}:{${groupLabels}}`,
    truncatedAlerts: 0,
    status,
    receiver,
    groupLabels: alert.labels,
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL: ctx.externalUrl ?? '',
    notification_reason: REASON[event],
    alerts: [
      {
        status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt.toISOString(),
        endsAt: alert.endsAt?.toISOString() ?? ZERO_TIME,
        generatorURL: generatorUrl(ctx, alert) ?? '',
        fingerprint: alert.fingerprint,
      },
    ],
  };
}

/** A webhook receiver's config. */
type WebhookReceiver = { name: string; url: string; hmac_secret_env?: string | undefined };

/** Posts one message per item, signed when the receiver names a secret. */
export const sendWebhook: Sender<WebhookReceiver> = (receiver, items, ctx) =>
  sendEach(
    { url: receiver.url, hmacSecretEnv: receiver.hmac_secret_env },
    items,
    (item) => toWebhookMessage(item.alert, item.event, receiver.name, ctx),
    ctx,
  );
