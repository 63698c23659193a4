/**
 * @module
 * Errors the budget guard refuses calls with. They are thrown before the request is sent.
 */
import type { BudgetReason } from '../types.ts';

/** Base class of every refusal; `code` tells them apart without `instanceof`. */
export class GuardError extends Error {
  readonly code: 'BUDGET_EXCEEDED' | 'RATE_LIMITED' | 'CIRCUIT_OPEN';
  readonly reason: BudgetReason;
  readonly taskId: string;

  constructor(
    code: GuardError['code'],
    reason: BudgetReason,
    taskId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GuardError';
    this.code = code;
    this.reason = reason;
    this.taskId = taskId;
  }
}

/** The numbers behind a {@link BudgetExceededError}; undefined where there is no such limit. */
export type BudgetNumbers = {
  limitTokens: number | undefined;
  usedTokens: number;
  reservedTokens: number;
  estimatedTokens: number;
  remainingTokens: number | undefined;
  limitUsd: number | undefined;
  usedUsd: number;
  reservedUsd: number;
  estimatedUsd: number | undefined;
  remainingUsd: number | undefined;
};

/**
 * A call would cross a token or USD budget (the task's, an enclosing task's or a shared one held
 * by the remote endpoint), and the policy is `throw` or degrading could not make it fit.
 */
export class BudgetExceededError extends GuardError {
  readonly numbers: BudgetNumbers;
  /** The remote scope that refused, for `remote` refusals. */
  readonly scope: string | undefined;

  constructor(
    reason: BudgetReason,
    taskId: string,
    numbers: BudgetNumbers,
    detail: string,
    scope?: string,
  ) {
    super('BUDGET_EXCEEDED', reason, taskId, `Budget exceeded for task ${taskId}: ${detail}`);
    this.name = 'BudgetExceededError';
    this.numbers = numbers;
    this.scope = scope;
  }
}

/** The task or agent made its allowed calls for the last 60 seconds. */
export class RateLimitedError extends GuardError {
  readonly maxCallsPerMinute: number;
  /** When a call would next be allowed. */
  readonly retryAfterMs: number;

  constructor(taskId: string, scope: string, maxCallsPerMinute: number, retryAfterMs: number) {
    super(
      'RATE_LIMITED',
      'rate',
      taskId,
      `Rate limit of ${maxCallsPerMinute} calls per minute reached for ${scope}; retry in ${retryAfterMs} ms`,
    );
    this.name = 'RateLimitedError';
    this.maxCallsPerMinute = maxCallsPerMinute;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The task's circuit breaker is open: too many failures in a row, or the same request repeated. */
export class CircuitOpenError extends GuardError {
  readonly consecutiveFailures: number;
  readonly identicalRequests: number;
  /** When the circuit lets a probe call through. */
  readonly retryAfterMs: number;

  constructor(
    taskId: string,
    reason: 'consecutive-failures' | 'identical-requests',
    consecutiveFailures: number,
    identicalRequests: number,
    retryAfterMs: number,
  ) {
    const why =
      reason === 'consecutive-failures'
        ? `${consecutiveFailures} consecutive failed calls`
        : `the same request ${identicalRequests} times in a row`;
    super(
      'CIRCUIT_OPEN',
      reason,
      taskId,
      `Circuit open for task ${taskId} after ${why}; retry in ${retryAfterMs} ms`,
    );
    this.name = 'CircuitOpenError';
    this.consecutiveFailures = consecutiveFailures;
    this.identicalRequests = identicalRequests;
    this.retryAfterMs = retryAfterMs;
  }
}
