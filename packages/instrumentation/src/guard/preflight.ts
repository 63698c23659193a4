/**
 * @module
 * The guard's decision on one call, made before the request is sent: circuit breaker, rate limit,
 * shared budgets (remote), then the task budgets against a pre-flight estimate, with the policy
 * (`throw`, `degrade`, `warn`) of the budget that would be crossed. An admitted call holds its
 * estimate until it settles with the usage of its response.
 */
import { diag } from '@opentelemetry/api';
import { Decimal } from '@tokenwatch/pricing';
import {
  ATTR_BUDGET_ESTIMATE_TOKENS,
  ATTR_BUDGET_ESTIMATE_USD,
  ATTR_BUDGET_FROM_MODEL,
  ATTR_BUDGET_MAX_OUTPUT_TOKENS,
  ATTR_BUDGET_REASON,
  ATTR_BUDGET_REMAINING_TOKENS,
  ATTR_BUDGET_REMAINING_USD,
  ATTR_BUDGET_TO_MODEL,
  EVENT_BUDGET_DEGRADED,
  EVENT_BUDGET_ESTIMATE,
  EVENT_BUDGET_EXCEEDED,
} from '../attributes.ts';
import type { CallUsage, GuardNotice, RequestChange } from '../internal-types.ts';
import type { Attribution, BudgetEvent } from '../types.ts';
import { safely } from './callbacks.ts';
import { tierNotice } from './context-tiers.ts';
import { GuardError } from './errors.ts';
import { degraded, findProblem, project, tokenRoom } from './limits.ts';
import { priceEstimate, priceUsage, usd } from './pricing.ts';
import { agentWindow, type RateWindow } from './rate-limiter.ts';
import { checkRemote, defaultScopes, type RemoteVerdict } from './remote-check.ts';
import type { Reservation, SpentUsage, TaskBudget } from './task-budget.ts';

/** What the guard needs to know about a call. */
export type GuardRequest = {
  provider: string;
  model: string;
  maxOutputTokens: number | undefined;
  promptText: () => string;
  /**
   * Key of the whole request (its request hash), for repeated-request detection; computed only
   * when needed; undefined when the request cannot be hashed, which no other request repeats.
   */
  requestKey: () => string | undefined;
  attribution: Readonly<Attribution>;
};

/** How a call ended, for {@link Admission.settle}. */
export type SettleInput = {
  usage: CallUsage | undefined;
  responseModel: string | undefined;
  outputText: string | undefined;
  failed: boolean;
};

/** An admitted call. */
export type Admission = {
  /** What to change in the request before sending it (degrade). */
  change: RequestChange | undefined;
  /** Span events of the decision. */
  notices: GuardNotice[];
  /** Releases the call's hold and counts its usage; returns span events (context tiers). */
  settle(input: SettleInput): GuardNotice[];
};

const defaultTokenizer = (text: string): number => Math.ceil(text.length / 4);

function notify(budget: TaskBudget, event: BudgetEvent): void {
  safely(budget.options.onEvent, event);
}

function rateTarget(
  budget: TaskBudget,
  attribution: Readonly<Attribution>,
): { window: RateWindow; max: number; scope: string } | undefined {
  const limit = budget.options.rateLimit;
  if (!limit) return undefined;
  if (limit.per === 'agent' && attribution.agent) {
    return {
      window: agentWindow(attribution.agent),
      max: limit.maxCallsPerMinute,
      scope: `agent ${attribution.agent}`,
    };
  }
  return {
    window: budget.rateWindow,
    max: limit.maxCallsPerMinute,
    scope: `task ${budget.taskId}`,
  };
}

const unpricedModels = new Set<string>();

/** A USD limit cannot hold for a model without a price: say so once per model. */
function warnIfUnpriced(budget: TaskBudget, request: GuardRequest, unpriced: boolean): void {
  if (!unpriced || !budget.chain().some((owner) => owner.limitUsd !== undefined)) return;
  const key = `${request.provider}:${request.model}`;
  if (unpricedModels.has(key)) return;
  unpricedModels.add(key);
  diag.warn(
    `tokenwatch: no price for ${key}; its calls are not counted against USD budgets (token budgets still apply)`,
  );
}

function decide(
  budget: TaskBudget,
  request: GuardRequest,
  verdict: RemoteVerdict | undefined,
  key: string | undefined,
): Admission {
  // Checked again: a remote answer may have taken a while, and other calls went meanwhile.
  budget.circuit?.check(key);
  const rate = rateTarget(budget, request.attribution);
  rate?.window.check(rate.max, budget.taskId, rate.scope);

  const tokenizer = budget.options.tokenizer ?? defaultTokenizer;
  const inputTokens = tokenizer(request.promptText(), request.model);
  let projection = project(
    budget,
    request.provider,
    request.model,
    inputTokens,
    request.maxOutputTokens,
  );
  warnIfUnpriced(budget, request, projection.usd === undefined);
  const notices: GuardNotice[] = [];
  let change: RequestChange | undefined;
  const problem = findProblem(budget, projection, verdict, true);
  if (problem) {
    const policy =
      problem.reason === 'remote-unavailable'
        ? 'throw'
        : (problem.budget.options.onExhausted ?? 'throw');
    if (policy === 'warn') {
      const message = problem.error().message;
      notices.push({
        name: EVENT_BUDGET_EXCEEDED,
        attributes: {
          [ATTR_BUDGET_REASON]: problem.reason,
          [ATTR_BUDGET_ESTIMATE_TOKENS]: projection.tokens,
        },
      });
      notify(budget, {
        type: 'exceeded',
        reason: problem.reason,
        taskId: budget.taskId,
        policy: 'warn',
        message,
      });
    } else if (policy === 'degrade') {
      const cheaper = degraded(budget, problem.budget, request, inputTokens, verdict);
      if (!cheaper) throw problem.error();
      // A shared budget that says no is what degrading answers; its numbers still hold.
      const still = findProblem(budget, cheaper.projection, verdict, false);
      if (still) throw still.error();
      projection = cheaper.projection;
      change = cheaper.change;
      const toModel = change.model ?? request.model;
      const remaining = tokenRoom(budget, verdict);
      notices.push({
        name: EVENT_BUDGET_DEGRADED,
        attributes: {
          [ATTR_BUDGET_REASON]: problem.reason,
          [ATTR_BUDGET_FROM_MODEL]: request.model,
          [ATTR_BUDGET_TO_MODEL]: toModel,
          ...(change.maxOutputTokens === undefined
            ? {}
            : { [ATTR_BUDGET_MAX_OUTPUT_TOKENS]: change.maxOutputTokens }),
          ...(remaining === undefined ? {} : { [ATTR_BUDGET_REMAINING_TOKENS]: remaining }),
        },
      });
      notify(budget, {
        type: 'degraded',
        reason: problem.reason,
        taskId: budget.taskId,
        fromModel: request.model,
        toModel,
        maxOutputTokens: change.maxOutputTokens ?? request.maxOutputTokens,
      });
    } else {
      throw problem.error();
    }
  }
  const model = change?.model ?? request.model;
  const estimateTier = tierNotice(budget, request.provider, model, inputTokens, 'estimate');
  if (estimateTier) notices.push(estimateTier);

  budget.circuit?.admit(key);
  rate?.window.admit();
  const reservation: Reservation = {
    tokens: projection.tokens,
    usd: projection.usd ?? Decimal.ZERO,
  };
  const chain = budget.chain();
  for (const owner of chain) owner.reserve(reservation);
  if (projection.usd !== undefined) {
    notices.push({
      name: EVENT_BUDGET_ESTIMATE,
      attributes: {
        [ATTR_BUDGET_ESTIMATE_TOKENS]: projection.tokens,
        [ATTR_BUDGET_ESTIMATE_USD]: usd(projection.usd),
        ...(budget.remainingUsd() === undefined
          ? {}
          : { [ATTR_BUDGET_REMAINING_USD]: usd(budget.remainingUsd()!) }),
      },
    });
  }

  let settled = false;
  return {
    change,
    notices,
    settle(input) {
      if (settled) return [];
      settled = true;
      for (const owner of chain) owner.release(reservation);
      const settleNotices: GuardNotice[] = [];
      let spent: SpentUsage | undefined;
      if (input.usage) {
        const { usage } = input;
        spent = {
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens ?? 0,
          usd: priceUsage(request.provider, model, input.responseModel ?? model, usage),
          estimated: false,
        };
        const tier = tierNotice(budget, request.provider, model, usage.inputTokens, 'usage');
        if (tier) settleNotices.push(tier);
      } else if (!input.failed) {
        // No usage in the response (a stream without it): the estimate stands in, marked so.
        const outputTokens = input.outputText ? tokenizer(input.outputText, model) : 0;
        spent = {
          inputTokens,
          outputTokens,
          usd: priceEstimate(request.provider, model, inputTokens, outputTokens),
          estimated: true,
        };
      }
      for (const owner of chain) owner.record(spent, input.failed);
      if (input.failed) budget.circuit?.onFailure();
      else budget.circuit?.onSuccess();
      return settleNotices;
    },
  };
}

/**
 * Decides on a call: an {@link Admission}, synchronously when no remote answer has to be awaited;
 * a {@link GuardError} (thrown, or the promise rejects) when the call must not be sent.
 */
export function admitCall(
  budget: TaskBudget,
  request: GuardRequest,
): Admission | Promise<Admission> {
  const refused = (err: unknown): never => {
    if (err instanceof GuardError) {
      notify(budget, { type: 'refused', reason: err.reason, taskId: budget.taskId, error: err });
    }
    throw err;
  };
  try {
    const key = budget.circuit?.watchesRequests ? request.requestKey() : undefined;
    // Fail fast before asking the remote endpoint anything.
    budget.circuit?.check(key);
    const rate = rateTarget(budget, request.attribution);
    rate?.window.check(rate.max, budget.taskId, rate.scope);
    const remoteOptions = budget.options.remoteCheck;
    const verdict = remoteOptions
      ? checkRemote(remoteOptions, (remoteOptions.scopes ?? defaultScopes)(request.attribution))
      : undefined;
    if (verdict instanceof Promise) {
      return verdict.then((answer) => decide(budget, request, answer, key)).catch(refused);
    }
    return decide(budget, request, verdict, key);
  } catch (err) {
    return refused(err);
  }
}
