/**
 * @module
 * JSON POSTs with retries: 429, 5xx and network errors are retried with exponential back-off,
 * any other status is final (a 400 will not get better by sending it again).
 */

/** Retry policy of notifications. */
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

/** The `fetch` the notifiers use; injectable for tests. */
export type FetchFn = typeof fetch;

const isRetryable = (status: number) => status === 429 || status >= 500;

/** POSTs `body` to `url`, retrying per `policy`. Never throws. */
export async function postJson(
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
