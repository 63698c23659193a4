import { sendJson } from '../../shared/http-delivery.ts';
import type { AlertInstance } from '../types.ts';
import { generatorUrl, type NotifyContext, type Sender } from './types.ts';

/** One element of the `POST /api/v2/alerts` body. */
export type AlertmanagerAlert = {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
};

/**
 * The pushed form of an alert. A firing alert's `endsAt` lies `alertmanagerTtlMs` ahead, so
 * Alertmanager resolves it by itself if the analyzer stops re-sending; a resolved one carries its
 * real end.
 */
export function toAlertmanagerAlert(alert: AlertInstance, ctx: NotifyContext): AlertmanagerAlert {
  const endsAt = alert.endsAt ?? new Date(ctx.now.getTime() + ctx.alertmanagerTtlMs);
  const out: AlertmanagerAlert = {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
  };
  const url = generatorUrl(ctx, alert);
  if (url) out.generatorURL = url;
  return out;
}

/** Pushes every item in one request to `<url>/api/v2/alerts`; all share its outcome. */
export const sendAlertmanager: Sender<{ url: string }> = async (receiver, items, ctx) => {
  const body = JSON.stringify(items.map((i) => toAlertmanagerAlert(i.alert, ctx)));
  const url = `${receiver.url.replace(/\/$/, '')}/api/v2/alerts`;
  const outcome = await sendJson({ url }, body, ctx);
  return items.map(() => outcome);
};
