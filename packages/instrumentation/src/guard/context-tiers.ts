/**
 * @module
 * Context-window tiers: how full a call's prompt makes its model's window.
 */
import { getContextWindow } from '@tokenwatch/pricing';
import {
  ATTR_CONTEXT_RATIO,
  ATTR_CONTEXT_SOURCE,
  ATTR_CONTEXT_TOKENS,
  ATTR_CONTEXT_WINDOW,
  ATTR_TIER,
  EVENT_CONTEXT_TIER,
} from '../attributes.ts';
import type { GuardNotice } from '../internal-types.ts';
import type { BudgetOptions, ContextTierEvent, ContextTiers } from '../types.ts';
import { safely } from './callbacks.ts';
import type { TaskBudget } from './task-budget.ts';

/** Notice at 70 %, warning at 85 %, critical at 90 % of the window. */
export const DEFAULT_CONTEXT_TIERS: Readonly<ContextTiers> = Object.freeze({
  notice: 0.7,
  warning: 0.85,
  critical: 0.9,
});

/** The tiers in effect, or undefined when turned off. */
export function resolveTiers(options: BudgetOptions): ContextTiers | undefined {
  if (options.contextTiers === false) return undefined;
  return { ...DEFAULT_CONTEXT_TIERS, ...options.contextTiers };
}

/** The window of `model`: the override, else the catalog's; undefined when unknown. */
export function contextWindowOf(
  options: BudgetOptions,
  provider: string,
  model: string,
): number | undefined {
  const override = options.contextWindow;
  if (typeof override === 'number') return override;
  const fromOverride = override?.(model, provider);
  if (fromOverride !== undefined) return fromOverride;
  return getContextWindow({ provider, requestModel: model, responseModel: model });
}

/** The highest tier `ratio` reaches, or undefined below the lowest. */
export function tierOf(ratio: number, tiers: ContextTiers): keyof ContextTiers | undefined {
  if (ratio >= tiers.critical) return 'critical';
  if (ratio >= tiers.warning) return 'warning';
  if (ratio >= tiers.notice) return 'notice';
  return undefined;
}

/** A context-tier notice (and the application's callback) for `tokens` of prompt. */
export function tierNotice(
  budget: TaskBudget,
  provider: string,
  model: string,
  tokens: number,
  source: ContextTierEvent['source'],
): GuardNotice | undefined {
  const tiers = resolveTiers(budget.options);
  if (!tiers) return undefined;
  const window = contextWindowOf(budget.options, provider, model);
  if (!window) return undefined;
  const ratio = tokens / window;
  const tier = tierOf(ratio, tiers);
  if (!tier) return undefined;
  const event: ContextTierEvent = {
    tier,
    ratio,
    tokens,
    contextWindow: window,
    model,
    source,
    taskId: budget.taskId,
  };
  safely(budget.options.onContextTier, event);
  return {
    name: EVENT_CONTEXT_TIER,
    attributes: {
      [ATTR_TIER]: tier,
      [ATTR_CONTEXT_RATIO]: ratio,
      [ATTR_CONTEXT_TOKENS]: tokens,
      [ATTR_CONTEXT_WINDOW]: window,
      [ATTR_CONTEXT_SOURCE]: source,
    },
  };
}
