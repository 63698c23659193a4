/**
 * @module
 * The arithmetic of budgets: what a call is projected to cost, which limit it would cross (a
 * task's, an enclosing task's, a shared one), and the cheaper request `degrade` makes instead.
 */
import type { Decimal } from '@tokenwatch/pricing';
import type { RequestChange } from '../internal-types.ts';
import type { BudgetReason } from '../types.ts';
import { BudgetExceededError, type GuardError } from './errors.ts';
import { priceEstimate, usd } from './pricing.ts';
import type { RemoteVerdict } from './remote-check.ts';
import type { TaskBudget } from './task-budget.ts';

/** What a call is expected to use, before it is sent. */
export type Projection = { tokens: number; inputTokens: number; usd: Decimal | undefined };

/** A limit a projection would cross, and the error that says so. */
export type Problem = { reason: BudgetReason; budget: TaskBudget; error: () => GuardError };

/** The part of a request `degrade` may change, and what the guard knows of it. */
export type DegradableRequest = {
  provider: string;
  model: string;
  maxOutputTokens: number | undefined;
};

/**
 * The pre-flight projection: the estimated input, plus the request's output cap as the worst case
 * (unless `countMaxOutputTokens` is off), priced as uncached input.
 */
export function project(
  budget: TaskBudget,
  provider: string,
  model: string,
  inputTokens: number,
  maxOutputTokens: number | undefined,
): Projection {
  const output = budget.options.countMaxOutputTokens === false ? 0 : (maxOutputTokens ?? 0);
  return {
    tokens: inputTokens + output,
    inputTokens,
    usd: priceEstimate(provider, model, inputTokens, output),
  };
}

function exceeded(
  reason: BudgetReason,
  owner: TaskBudget,
  projection: Projection,
  detail: string,
  remote?: { scope: string | undefined; tokens: number | undefined; usd: Decimal | undefined },
): BudgetExceededError {
  const remainingUsd = remote ? remote.usd : owner.remainingUsd();
  return new BudgetExceededError(
    reason,
    owner.taskId,
    {
      limitTokens: remote ? undefined : owner.options.maxTokens,
      usedTokens: owner.usedTokens,
      reservedTokens: owner.reservedTokens,
      estimatedTokens: projection.tokens,
      remainingTokens: remote ? remote.tokens : owner.remainingTokens(),
      limitUsd: remote ? undefined : owner.options.maxUsd,
      usedUsd: usd(owner.usedUsd),
      reservedUsd: usd(owner.reservedUsd),
      estimatedUsd: projection.usd === undefined ? undefined : usd(projection.usd),
      remainingUsd: remainingUsd === undefined ? undefined : usd(remainingUsd),
    },
    detail,
    remote?.scope,
  );
}

/** The first limit the projection would cross, or undefined when the call fits. */
export function findProblem(
  budget: TaskBudget,
  projection: Projection,
  verdict: RemoteVerdict | undefined,
  honorRefusal: boolean,
): Problem | undefined {
  for (const owner of budget.chain()) {
    const tokens = owner.remainingTokens();
    if (tokens !== undefined && projection.tokens > tokens) {
      return {
        reason: 'tokens',
        budget: owner,
        error: () =>
          exceeded('tokens', owner, projection, `~${projection.tokens} tokens, ${tokens} left`),
      };
    }
    const left = owner.remainingUsd();
    if (left !== undefined && projection.usd !== undefined && projection.usd.compare(left) > 0) {
      return {
        reason: 'usd',
        budget: owner,
        error: () =>
          exceeded(
            'usd',
            owner,
            projection,
            `~$${projection.usd?.format()} estimated, $${left.format()} left`,
          ),
      };
    }
  }
  if (!verdict) return undefined;
  const remote = {
    scope: verdict.tightestScope,
    tokens: verdict.remainingTokens,
    usd: verdict.remainingUsd,
  };
  const failOpen = budget.options.remoteCheck?.failOpen ?? true;
  if (!failOpen && verdict.unavailable.length > 0) {
    const scope = verdict.unavailable[0];
    return {
      reason: 'remote-unavailable',
      budget,
      error: () =>
        exceeded(
          'remote-unavailable',
          budget,
          projection,
          `the budget check for ${scope} is unavailable`,
          { ...remote, scope },
        ),
    };
  }
  if (honorRefusal && verdict.refusedBy) {
    const { scope, reason } = verdict.refusedBy;
    return {
      reason: 'remote',
      budget,
      error: () =>
        exceeded('remote', budget, projection, `${scope}: ${reason}`, { ...remote, scope }),
    };
  }
  const overTokens = remote.tokens !== undefined && projection.tokens > remote.tokens;
  const overUsd =
    remote.usd !== undefined &&
    projection.usd !== undefined &&
    projection.usd.compare(remote.usd) > 0;
  if (overTokens || overUsd) {
    return {
      reason: 'remote',
      budget,
      error: () =>
        exceeded('remote', budget, projection, `shared budget ${remote.scope} is short`, remote),
    };
  }
  return undefined;
}

/** The smallest number of tokens any budget (or shared scope) has left. */
export function tokenRoom(
  budget: TaskBudget,
  verdict: RemoteVerdict | undefined,
): number | undefined {
  const rooms = budget
    .chain()
    .map((owner) => owner.remainingTokens())
    .concat(verdict?.remainingTokens)
    .filter((room): room is number => room !== undefined);
  return rooms.length > 0 ? Math.min(...rooms) : undefined;
}

/** The cheaper request `degrade` makes, or undefined when it cannot change anything. */
export function degraded(
  budget: TaskBudget,
  owner: TaskBudget,
  request: DegradableRequest,
  inputTokens: number,
  verdict: RemoteVerdict | undefined,
): { change: RequestChange; projection: Projection } | undefined {
  const options = owner.options.degrade ?? {};
  const model =
    typeof options.model === 'string'
      ? options.model
      : (options.model?.[request.model] ?? request.model);
  const room = tokenRoom(budget, verdict);
  const caps = [
    request.maxOutputTokens,
    options.maxOutputTokens,
    room === undefined ? undefined : room - inputTokens,
  ].filter((cap): cap is number => cap !== undefined);
  const maxOutputTokens = caps.length > 0 ? Math.min(...caps) : undefined;
  if (maxOutputTokens !== undefined && maxOutputTokens < 1) return undefined;
  const change: RequestChange = {};
  if (model !== request.model) change.model = model;
  if (maxOutputTokens !== request.maxOutputTokens) change.maxOutputTokens = maxOutputTokens;
  if (change.model === undefined && change.maxOutputTokens === undefined) return undefined;
  return {
    change,
    projection: project(budget, request.provider, model, inputTokens, maxOutputTokens),
  };
}
