export {
  type BurnPair,
  DAILY_BURN_PAIRS,
  MONTHLY_BURN_PAIRS,
  WEEKLY_BURN_PAIRS,
} from './burn-rate.ts';
export {
  type BudgetCheck,
  type BudgetCheckEntry,
  type BudgetCheckQuery,
  BudgetCounter,
  type BudgetCounterOptions,
} from './counter.ts';
export { type EvaluateBudgetsOptions, evaluateBudgets } from './evaluate.ts';
export { BUDGET_TABLES } from './events-repository.ts';
export type {
  BudgetForecast,
  BudgetPeriod,
  BudgetPeriodKind,
  BudgetStatus,
  BudgetUnit,
  BurnSignal,
} from './types.ts';
