/**
 * @module
 * The process-wide default budget guard, applied to every task that does not turn it off.
 */
import type { BudgetOptions } from '../types.ts';

let defaults: BudgetOptions | undefined;

/**
 * Sets the default budget guard of every task (what `register({ budget })` and the
 * `TOKENWATCH_BUDGET_*` variables set). A task's own `budget` option is merged over it;
 * `undefined` removes the defaults.
 *
 * @example
 * ```ts
 * configureBudget({ maxUsd: 0.5, onExhausted: 'degrade', degrade: { model: 'gpt-4o-mini' } });
 * ```
 */
export function configureBudget(options: BudgetOptions | undefined): void {
  defaults = options ? { ...options } : undefined;
}

/** The guard options of a task: its own over the defaults; undefined when it has no guard. */
export function effectiveBudget(own: BudgetOptions | false | undefined): BudgetOptions | undefined {
  if (own === false) return undefined;
  if (!own) return defaults;
  return defaults ? { ...defaults, ...own } : own;
}
