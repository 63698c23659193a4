import {
  type HttpSendContext,
  type HttpTarget,
  type PostOutcome,
  sendJson,
} from '../../shared/http-delivery.ts';
import type { AlertInstance, NotificationEvent } from '../types.ts';

/** One alert to tell a receiver about. */
export type NotificationItem = { alert: AlertInstance; event: NotificationEvent };

/** What notifiers need besides the receiver's config: how to send, and what alert links need. */
export type NotifyContext = HttpSendContext & {
  now: Date;
  /** Base of generatorURL links; none when absent. */
  externalUrl: string | undefined;
  /** How long Alertmanager keeps a pushed firing alert without hearing of it again. */
  alertmanagerTtlMs: number;
};

/** One outcome per item, in order. */
export type NotifyOutcomes = PostOutcome[];

/** Sends items to a receiver whose config is `R`; one outcome per item, in order. Never throws. */
export type Sender<R> = (
  receiver: R,
  items: readonly NotificationItem[],
  ctx: NotifyContext,
) => Promise<NotifyOutcomes>;

/** The link to an alert, when an external URL is configured. */
export const generatorUrl = (ctx: NotifyContext, alert: AlertInstance): string | undefined =>
  ctx.externalUrl
    ? `${ctx.externalUrl.replace(/\/$/, '')}/api/v1/alerts/${alert.fingerprint}`
    : undefined;

/**
 * Sends one message per item to `target`, one after another (receivers that rate-limit see no
 * burst, and outcomes stay in item order).
 */
export async function sendEach(
  target: HttpTarget,
  items: readonly NotificationItem[],
  toMessage: (item: NotificationItem) => unknown,
  ctx: NotifyContext,
): Promise<NotifyOutcomes> {
  const out: NotifyOutcomes = [];
  for (const item of items) out.push(await sendJson(target, JSON.stringify(toMessage(item)), ctx));
  return out;
}
