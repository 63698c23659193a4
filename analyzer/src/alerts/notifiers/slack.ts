import type { AlertInstance, NotificationEvent } from '../types.ts';
import { postJson } from './http.ts';
import {
  generatorUrl,
  type NotificationItem,
  type NotifyContext,
  type NotifyOutcomes,
  unsent,
} from './types.ts';

/** Block Kit limits: header text 150 characters, section text 3000. */
const MAX_HEADER = 150;
const MAX_SECTION = 3000;

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

const PREFIX: Record<NotificationEvent, string> = {
  trigger: 'FIRING',
  repeat: 'STILL FIRING',
  resolve: 'RESOLVED',
};

/** A Slack incoming-webhook message: `text` as the fallback, blocks with the numbers. */
export function toSlackMessage(
  alert: AlertInstance,
  event: NotificationEvent,
  ctx: NotifyContext,
): Record<string, unknown> {
  const summary = alert.annotations.summary ?? alert.rule;
  const text = `[${PREFIX[event]}] ${summary}`;
  const url = generatorUrl(ctx, alert);
  const context = [
    `tenant \`${alert.tenant}\``,
    `severity *${alert.severity}*`,
    `since ${alert.startsAt.toISOString()}`,
    ...(alert.endsAt ? [`resolved ${alert.endsAt.toISOString()}`] : []),
    ...(url ? [`<${url}|details>`] : []),
  ].join(' · ');
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(text, MAX_HEADER) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(alert.annotations.description ?? summary, MAX_SECTION) },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
    ],
  };
}

/** Posts one message per item to the webhook URL read from the environment. */
export async function sendSlack(
  receiver: { webhook_url_env: string },
  items: readonly NotificationItem[],
  ctx: NotifyContext,
): Promise<NotifyOutcomes> {
  const url = ctx.env[receiver.webhook_url_env];
  if (!url) return items.map(() => unsent(`${receiver.webhook_url_env} is not set`));
  const out: NotifyOutcomes = [];
  for (const item of items) {
    const body = JSON.stringify(toSlackMessage(item.alert, item.event, ctx));
    out.push(await postJson(ctx.fetch, url, body, {}, ctx.retry));
  }
  return out;
}
