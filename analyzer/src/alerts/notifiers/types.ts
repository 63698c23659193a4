import type { AlertInstance, NotificationEvent } from '../types.ts';
import type { FetchFn, PostOutcome, RetryPolicy } from './http.ts';

/** One alert to tell a receiver about. */
export type NotificationItem = { alert: AlertInstance; event: NotificationEvent };

/** What notifiers need besides the receiver's config. */
export type NotifyContext = {
  fetch: FetchFn;
  /** Where `*_env` secrets are read, at send time only. */
  env: Record<string, string | undefined>;
  retry: RetryPolicy;
  now: Date;
  /** Base of generatorURL links; none when absent. */
  externalUrl: string | undefined;
  /** How long Alertmanager keeps a pushed firing alert without hearing of it again. */
  alertmanagerTtlMs: number;
};

/** One outcome per item, in order. */
export type NotifyOutcomes = PostOutcome[];

/** The link to an alert, when an external URL is configured. */
export const generatorUrl = (ctx: NotifyContext, alert: AlertInstance): string | undefined =>
  ctx.externalUrl
    ? `${ctx.externalUrl.replace(/\/$/, '')}/api/v1/alerts/${alert.fingerprint}`
    : undefined;

/** An outcome for a receiver that could not even be tried (a missing secret). */
export const unsent = (error: string): PostOutcome => ({
  ok: false,
  attempts: 0,
  status: 0,
  error,
  retryable: false,
});
