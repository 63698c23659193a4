import type { AlertReceiverConfig } from '@tokenwatch/config';
import { sendAlertmanager } from './alertmanager.ts';
import { sendPagerDuty } from './pagerduty.ts';
import { sendSlack } from './slack.ts';
import type { NotificationItem, NotifyContext, NotifyOutcomes } from './types.ts';
import { sendWebhook } from './webhook.ts';

/**
 * Sends items to a receiver of any type; one outcome per item, in order. Never throws. A new
 * receiver type is one case here, one sender beside this file, and one variant of
 * `AlertReceiverSchema` in @tokenwatch/config.
 */
export function notify(
  receiver: AlertReceiverConfig,
  items: readonly NotificationItem[],
  ctx: NotifyContext,
): Promise<NotifyOutcomes> {
  if (items.length === 0) return Promise.resolve([]);
  switch (receiver.type) {
    case 'alertmanager':
      return sendAlertmanager(receiver, items, ctx);
    case 'pagerduty':
      return sendPagerDuty(receiver, items, ctx);
    case 'slack':
      return sendSlack(receiver, items, ctx);
    case 'webhook':
      return sendWebhook(receiver, items, ctx);
  }
}
