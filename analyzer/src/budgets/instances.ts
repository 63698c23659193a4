import type { BudgetConfig, ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import type { Attribution } from '../shared/scope.ts';
import type { BudgetUnit } from './types.ts';

/** What the budget limits. */
export function budgetUnit(budget: BudgetConfig): BudgetUnit {
  return budget.limit_usd !== undefined ? 'usd' : 'tokens';
}

/** The budget's limit as an exact decimal (a config number is read through its shortest text). */
export function budgetLimit(budget: BudgetConfig): Decimal {
  return Decimal.from(budget.limit_usd ?? budget.limit_tokens ?? 0);
}

/**
 * Fields whose values split a budget into instances, sorted: its `per` field, plus `session` for a
 * session budget (each session has its own allowance).
 */
export function instanceFields(budget: BudgetConfig): ScopeField[] {
  const fields = new Set<ScopeField>();
  if (budget.per) fields.add(budget.per);
  if (budget.period === 'session') fields.add('session');
  return [...fields].sort();
}

/** Canonical instance name: `field=value` pairs, values URI-encoded, joined by `&`. */
export function encodeInstance(fields: readonly ScopeField[], values: readonly string[]): string {
  return fields.map((field, i) => `${field}=${encodeURIComponent(values[i] ?? '')}`).join('&');
}

/** Whether a budget counts the spend of a tenant: its own tenant, or every tenant when it names none. */
export function budgetCoversTenant(budget: BudgetConfig, tenant: string): boolean {
  return budget.tenant === undefined || budget.tenant === tenant;
}

/** Finds the instance of a budget that a call with some attribution counts against. */
export type InstanceMatcher = (tenant: string, attribution: Attribution) => string | undefined;

/**
 * Compiles the test "does this budget enclose a call with this attribution, and which instance
 * does the call count against" (undefined when it does not enclose it). A missing attribution
 * field is `''`, as stored; a call without a value for an instance field (no agent for a
 * `per: agent` budget) belongs to no instance. Compiled once, because the counter runs it for
 * every budget on every call.
 */
export function instanceMatcher(budget: BudgetConfig): InstanceMatcher {
  const scope = Object.entries(budget.scope) as [ScopeField, string][];
  const fields = instanceFields(budget);
  return (tenant, attribution) => {
    if (!budgetCoversTenant(budget, tenant)) return undefined;
    for (const [field, value] of scope) if ((attribution[field] ?? '') !== value) return undefined;
    const values: string[] = [];
    for (const field of fields) {
      const value = attribution[field] ?? '';
      if (value === '') return undefined;
      values.push(value);
    }
    return encodeInstance(fields, values);
  };
}

/** The budget's scope plus an instance's field values. */
export function instanceScope(
  budget: BudgetConfig,
  fields: readonly ScopeField[],
  values: readonly string[],
): Attribution {
  const scope: Attribution = { ...budget.scope };
  fields.forEach((field, i) => {
    scope[field] = values[i] ?? '';
  });
  return scope;
}
