/**
 * @module
 * The circuit breaker of a task: it opens after N failed calls in a row, or when the agent sends
 * the same request more than N times in a row (a loop), and refuses calls until a cooldown has
 * passed; then one probe call goes through, and its result closes or reopens the circuit.
 */
import type { CircuitBreakerOptions } from '../types.ts';
import { CircuitOpenError } from './errors.ts';

/** Defaults of {@link CircuitBreakerOptions}. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 5;
export const DEFAULT_MAX_IDENTICAL_REQUESTS = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;

/** The circuit of one task; `now` is injectable so tests need no clock. */
export class CircuitBreaker {
  readonly #maxFailures: number;
  readonly #maxIdentical: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  #failures = 0;
  #lastKey: string | undefined;
  #repeats = 0;
  #openedAt: number | undefined;
  #openReason: 'consecutive-failures' | 'identical-requests' = 'consecutive-failures';
  #probeInFlight = false;

  constructor(
    private readonly taskId: string,
    options: CircuitBreakerOptions,
    now: () => number = Date.now,
  ) {
    this.#maxFailures = options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES;
    this.#maxIdentical = options.maxIdenticalRequests ?? DEFAULT_MAX_IDENTICAL_REQUESTS;
    this.#cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.#now = now;
  }

  /** Whether requests are compared (the caller then computes request keys). */
  get watchesRequests(): boolean {
    return this.#maxIdentical > 0;
  }

  state(): 'closed' | 'open' | 'half-open' {
    if (this.#openedAt === undefined) return 'closed';
    return this.#now() - this.#openedAt >= this.#cooldownMs ? 'half-open' : 'open';
  }

  /**
   * Throws a {@link CircuitOpenError} when the call must not be sent. Changes nothing: the call
   * may still be refused for another reason, and then it was never made.
   */
  check(key: string | undefined): void {
    const state = this.state();
    if (state === 'open' || (state === 'half-open' && this.#probeInFlight)) throw this.#error();
    if (this.#wouldRepeat(key) > this.#maxIdentical && this.#maxIdentical > 0) {
      // Opening here (not in admit) makes the loop visible in state() and getBudget().
      this.#open('identical-requests');
      this.#repeats = this.#wouldRepeat(key);
      throw this.#error();
    }
  }

  /** Records a call that is being sent. */
  admit(key: string | undefined): void {
    this.#repeats = this.#wouldRepeat(key);
    this.#lastKey = key;
    if (this.state() === 'half-open') this.#probeInFlight = true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#openedAt = undefined;
  }

  onFailure(): void {
    this.#failures++;
    const probeFailed = this.#probeInFlight;
    this.#probeInFlight = false;
    if (probeFailed || this.#failures >= this.#maxFailures) this.#open('consecutive-failures');
  }

  #wouldRepeat(key: string | undefined): number {
    return key !== undefined && key === this.#lastKey ? this.#repeats + 1 : 1;
  }

  #open(reason: 'consecutive-failures' | 'identical-requests'): void {
    this.#openedAt = this.#now();
    this.#openReason = reason;
  }

  #error(): CircuitOpenError {
    const retryAfterMs = Math.max(0, (this.#openedAt ?? 0) + this.#cooldownMs - this.#now());
    return new CircuitOpenError(
      this.taskId,
      this.#openReason,
      this.#failures,
      this.#repeats,
      retryAfterMs,
    );
  }
}
