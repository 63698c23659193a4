import { createHmac } from 'node:crypto';
import type { AlertInstance, NotificationEvent } from '../types.ts';
import { postJson } from './http.ts';
import {
  generatorUrl,
  type NotificationItem,
  type NotifyContext,
  type NotifyOutcomes,
  unsent,
} from './types.ts';

/** The signature header of signed webhooks: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'X-Tokenwatch-Signature';

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

/** `sha256=<hex>` of `body` under `secret`. */
export const signBody = (body: string, secret: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Posts one message per item, signed when the receiver names a secret. */
export async function sendWebhook(
  receiver: { name: string; url: string; hmac_secret_env?: string | undefined },
  items: readonly NotificationItem[],
  ctx: NotifyContext,
): Promise<NotifyOutcomes> {
  let secret: string | undefined;
  if (receiver.hmac_secret_env) {
    secret = ctx.env[receiver.hmac_secret_env];
    if (!secret) return items.map(() => unsent(`${receiver.hmac_secret_env} is not set`));
  }
  const out: NotifyOutcomes = [];
  for (const item of items) {
    const body = JSON.stringify(toWebhookMessage(item.alert, item.event, receiver.name, ctx));
    const headers: Record<string, string> = secret
      ? { [SIGNATURE_HEADER]: signBody(body, secret) }
      : {};
    out.push(await postJson(ctx.fetch, receiver.url, body, headers, ctx.retry));
  }
  return out;
}
