import type { AlertInstance, NotificationEvent } from '../types.ts';
import { generatorUrl, type NotifyContext, type Sender, sendEach } from './types.ts';

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
export const sendSlack: Sender<{ webhook_url_env: string }> = (receiver, items, ctx) =>
  sendEach(
    { urlEnv: receiver.webhook_url_env },
    items,
    (item) => toSlackMessage(item.alert, item.event, ctx),
    ctx,
  );
