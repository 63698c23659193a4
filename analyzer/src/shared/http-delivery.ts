/**
 * @module
 * The one way the analyzer sends JSON over HTTP to the outside (alert receivers, report
 * deliveries): secrets read from the environment by name at send time, bodies signed when a
 * signing secret is named, and POSTs retried per a {@link RetryPolicy}: 429, 5xx and network
 * errors are retried with exponential back-off, any other status is final (a 400 will not get
 * better by sending it again). What is sent (the payloads) stays with the sender.
 */
import { createHmac } from 'node:crypto';

/** Retry policy of outgoing POSTs. */
export type RetryPolicy = {
  /**
   * Attempts in all, the first included.
   * @default 4
   */
  attempts: number;
  /**
   * Delay before the second attempt; doubled before each next one.
   * @default 1000
   */
  baseDelayMs: number;
  /**
   * Timeout of one attempt.
   * @default 10000
   */
  timeoutMs: number;
};

/** Default {@link RetryPolicy}: PagerDuty asks for back-off on 429 and 5xx. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, timeoutMs: 10_000 };

/** What came of a POST after its retries. */
export type PostOutcome = {
  ok: boolean;
  attempts: number;
  /** Last HTTP status; 0 when no response arrived. */
  status: number;
  /** Empty on success; never contains the URL (which may be a secret, as Slack's is). */
  error: string;
  retryable: boolean;
};

/** The `fetch` used to send; injectable for tests. */
export type FetchFn = typeof fetch;

/** What sending needs besides the target and the body. */
export type HttpSendContext = {
  fetch: FetchFn;
  /** Where `*_env` secrets are read, at send time only. */
  env: Record<string, string | undefined>;
  retry: RetryPolicy;
};

/**
 * Where a JSON body goes, as the config names it: a URL, or (when the URL itself is a secret, as a
 * Slack incoming webhook's is) the environment variable holding it; and optionally the variable
 * holding the secret the body is signed with.
 */
export type HttpTarget = ({ url: string } | { urlEnv: string }) & {
  hmacSecretEnv?: string | undefined;
};

/** The signature header of signed bodies: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'X-Tokenwatch-Signature';

/**
 * `sha256=<hex>` of `body` under `secret`: the value of {@link SIGNATURE_HEADER}.
 *
 * @example
 * signBody('{"a":1}', 's3cret'); // 'sha256=…' (64 hex digits)
 */
export const signBody = (body: string, secret: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** An outcome for a target that could not even be tried (a missing secret). */
export const unsent = (error: string): PostOutcome => ({
  ok: false,
  attempts: 0,
  status: 0,
  error,
  retryable: false,
});

/**
 * Sends `body` to `target`: reads the URL and the signing secret from the environment when the
 * target names variables (a variable that is not set fails without a request), signs the body
 * when a secret is named, and POSTs with retries per `ctx.retry`. Never throws.
 *
 * @example
 * const outcome = await sendJson({ urlEnv: 'SLACK_WEBHOOK_URL' }, JSON.stringify({ text }), {
 *   fetch, env: process.env, retry: DEFAULT_RETRY,
 * });
 * if (!outcome.ok) console.error(outcome.error);
 */
export async function sendJson(
  target: HttpTarget,
  body: string,
  ctx: HttpSendContext,
): Promise<PostOutcome> {
  let url: string;
  if ('urlEnv' in target) {
    const fromEnv = ctx.env[target.urlEnv];
    if (!fromEnv) return unsent(`${target.urlEnv} is not set`);
    url = fromEnv;
  } else {
    url = target.url;
  }
  const headers: Record<string, string> = {};
  if (target.hmacSecretEnv) {
    const secret = ctx.env[target.hmacSecretEnv];
    if (!secret) return unsent(`${target.hmacSecretEnv} is not set`);
    headers[SIGNATURE_HEADER] = signBody(body, secret);
  }
  return postJson(ctx.fetch, url, body, headers, ctx.retry);
}

const isRetryable = (status: number) => status === 429 || status >= 500;

/** POSTs `body` to `url`, retrying per `policy`. Never throws. */
async function postJson(
  fetchFn: FetchFn,
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: RetryPolicy,
): Promise<PostOutcome> {
  let outcome: PostOutcome = { ok: false, attempts: 0, status: 0, error: '', retryable: true };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await sleep(policy.baseDelayMs * 2 ** (attempt - 2));
    try {
      const response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const text = (await response.text()).slice(0, 300);
      if (response.ok)
        return {
          ok: true,
          attempts: attempt,
          status: response.status,
          error: '',
          retryable: false,
        };
      outcome = {
        ok: false,
        attempts: attempt,
        status: response.status,
        error: `HTTP ${response.status}: ${text}`,
        retryable: isRetryable(response.status),
      };
    } catch (err) {
      const cause =
        err instanceof Error ? (err.cause instanceof Error ? err.cause : err) : undefined;
      const code = (cause as { code?: unknown } | undefined)?.code;
      outcome = {
        ok: false,
        attempts: attempt,
        status: 0,
        // Only the error's name and code: messages of fetch errors can quote the URL.
        error: `network error: ${cause?.name ?? 'Error'}${typeof code === 'string' ? ` ${code}` : ''}`,
        retryable: true,
      };
    }
    if (!outcome.retryable) return outcome;
  }
  return outcome;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
