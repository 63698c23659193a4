/**
 * @module
 * Evaluates every rule into candidates, per tenant; a failing rule is reported, not fatal.
 */
import type { AnomaliesConfig, BudgetConfig } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import type { Anomaly } from '../anomalies/index.ts';
import { type BudgetStatus, evaluateBudgets } from '../budgets/index.ts';
import { toChDateTime } from '../shared/duration.ts';
import { analyticsCandidates } from './analytics-signals.ts';
import { budgetCandidates, isBudgetRule } from './budget-signals.ts';
import type { AlertRuleConfig } from './config.ts';
import type { AlertCandidate } from './types.ts';

/** What rule evaluation reads. */
export type CollectInput = {
  store: Store;
  rules: readonly AlertRuleConfig[];
  budgets: readonly BudgetConfig[];
  anomalies: AnomaliesConfig;
  timezone: string;
  pricer: Pricer | undefined;
  /** Tenants to evaluate; those with spend in the last day when absent. */
  tenants: readonly string[] | undefined;
  now: Date;
  /** Record newly reached budget thresholds (false for dry runs). */
  record: boolean;
};

/** A rule that could not be evaluated. */
export type RuleError = { rule: string; tenant: string | undefined; message: string };

/** Candidates of all rules, the rules that failed and why. */
export type CollectResult = {
  candidates: AlertCandidate[];
  failedRules: Set<string>;
  errors: RuleError[];
};

const DAY_MS = 86_400_000;

/** Evaluates the rules at `input.now`. */
export async function collectCandidates(input: CollectInput): Promise<CollectResult> {
  const { store, now } = input;
  const candidates: AlertCandidate[] = [];
  const failedRules = new Set<string>();
  const errors: RuleError[] = [];
  const fail = (rule: string, tenant: string | undefined, err: unknown) => {
    failedRules.add(rule);
    errors.push({ rule, tenant, message: err instanceof Error ? err.message : String(err) });
  };
  const allowed = input.tenants ? new Set(input.tenants) : undefined;

  const budgetRules = input.rules.filter(isBudgetRule);
  if (budgetRules.length > 0 && input.budgets.length > 0) {
    let statuses: BudgetStatus[] | undefined;
    try {
      statuses = (
        await evaluateBudgets(store, {
          budgets: input.budgets,
          timezone: input.timezone,
          now,
          record: input.record,
        })
      ).filter((s) => !allowed || allowed.has(s.tenant));
    } catch (err) {
      for (const rule of budgetRules) fail(rule.name, undefined, err);
    }
    if (statuses)
      for (const rule of budgetRules) candidates.push(...budgetCandidates(rule, statuses));
  }

  const otherRules = input.rules.filter((r) => !isBudgetRule(r));
  if (otherRules.length === 0) return { candidates, failedRules, errors };
  const tenants = input.tenants ?? (await activeTenants(store, now));
  const cache = new Map<string, Promise<Anomaly[]>>();
  for (const tenant of tenants) {
    const ctx = { store, tenant, now, anomalies: input.anomalies, pricer: input.pricer, cache };
    for (const rule of otherRules) {
      if (isBudgetRule(rule)) continue;
      try {
        candidates.push(...(await analyticsCandidates(rule, ctx)));
      } catch (err) {
        fail(rule.name, tenant, err);
      }
    }
  }
  return { candidates, failedRules, errors };
}

/** Tenants with spend in the day before `now`: the only ones that can have signals. */
async function activeTenants(store: Store, now: Date): Promise<string[]> {
  const rows = await queryRows(store, {
    query: `SELECT DISTINCT tenant FROM ${TABLES.usage1m}
      WHERE minute > {from: DateTime('UTC')} AND minute <= {to: DateTime('UTC')} ORDER BY tenant`,
    params: { from: toChDateTime(now.getTime() - DAY_MS), to: toChDateTime(now.getTime()) },
    schema: z.object({ tenant: z.string() }),
  });
  return rows.map((r) => r.tenant);
}
