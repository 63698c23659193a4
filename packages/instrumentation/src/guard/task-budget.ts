/**
 * @module
 * The budget state of one task: limits, what finished calls used, what calls in flight hold, the
 * circuit breaker and the task's rate window. A task inside another task also counts against the
 * outer task's budget (`parent`).
 */
import { Decimal } from '@tokenwatch/pricing';
import type { BudgetOptions, BudgetStatus } from '../types.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { usd } from './pricing.ts';
import { RateWindow } from './rate-limiter.ts';

/** What a call in flight holds until it settles. */
export type Reservation = { tokens: number; usd: Decimal };

/** What a finished call used, as the budget counts it. */
export type SpentUsage = {
  inputTokens: number;
  outputTokens: number;
  usd: Decimal | undefined;
  estimated: boolean;
};

/** The budget of one task (see the module). */
export class TaskBudget {
  readonly circuit: CircuitBreaker | undefined;
  readonly rateWindow = new RateWindow();
  readonly limitUsd: Decimal | undefined;
  inputTokens = 0;
  outputTokens = 0;
  usedUsd = Decimal.ZERO;
  calls = 0;
  failedCalls = 0;
  estimatedCalls = 0;
  unpricedCalls = 0;
  reservedTokens = 0;
  reservedUsd = Decimal.ZERO;

  constructor(
    readonly taskId: string,
    readonly options: Readonly<BudgetOptions>,
    readonly parent: TaskBudget | undefined,
  ) {
    this.circuit =
      options.circuitBreaker === false
        ? undefined
        : new CircuitBreaker(taskId, options.circuitBreaker ?? {});
    this.limitUsd = options.maxUsd === undefined ? undefined : Decimal.from(options.maxUsd);
  }

  /** This budget and the enclosing tasks' budgets, innermost first. */
  chain(): TaskBudget[] {
    const chain: TaskBudget[] = [];
    for (let b: TaskBudget | undefined = this; b; b = b.parent) chain.push(b);
    return chain;
  }

  get usedTokens(): number {
    return this.inputTokens + this.outputTokens;
  }

  remainingTokens(): number | undefined {
    const limit = this.options.maxTokens;
    return limit === undefined ? undefined : limit - this.usedTokens - this.reservedTokens;
  }

  remainingUsd(): Decimal | undefined {
    return this.limitUsd?.minus(this.usedUsd).minus(this.reservedUsd);
  }

  reserve(reservation: Reservation): void {
    this.reservedTokens += reservation.tokens;
    this.reservedUsd = this.reservedUsd.plus(reservation.usd);
  }

  release(reservation: Reservation): void {
    this.reservedTokens -= reservation.tokens;
    this.reservedUsd = this.reservedUsd.minus(reservation.usd);
  }

  record(spent: SpentUsage | undefined, failed: boolean): void {
    this.calls++;
    if (failed) this.failedCalls++;
    if (!spent) return;
    this.inputTokens += spent.inputTokens;
    this.outputTokens += spent.outputTokens;
    if (spent.estimated) this.estimatedCalls++;
    if (spent.usd) this.usedUsd = this.usedUsd.plus(spent.usd);
    else this.unpricedCalls++;
  }

  status(): BudgetStatus {
    const remainingUsd = this.remainingUsd();
    return {
      taskId: this.taskId,
      limits: { tokens: this.options.maxTokens, usd: this.options.maxUsd },
      used: {
        tokens: this.usedTokens,
        inputTokens: this.inputTokens,
        outputTokens: this.outputTokens,
        usd: usd(this.usedUsd),
        calls: this.calls,
        failedCalls: this.failedCalls,
        estimatedCalls: this.estimatedCalls,
        unpricedCalls: this.unpricedCalls,
      },
      reserved: { tokens: this.reservedTokens, usd: usd(this.reservedUsd) },
      remaining: {
        tokens: this.remainingTokens(),
        usd: remainingUsd === undefined ? undefined : usd(remainingUsd),
      },
      circuit: this.circuit?.state() ?? 'closed',
    };
  }
}
