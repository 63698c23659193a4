/**
 * @module
 * Evaluates every rule into candidates, per tenant; a failing rule is reported, not fatal. The
 * anomaly detector runs for every evaluated tenant whether or not a rule watches it, so its
 * results can be kept in the anomaly history.
 */
import type { AlertRuleConfig, AnomaliesConfig, BudgetConfig } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { type Anomaly, detectAnomalies } from '../anomalies/index.ts';
import { type BudgetStatus, evaluateBudgets } from '../budgets/index.ts';
import { toChDateTime } from '../shared/duration.ts';
import { type AnalyticsContext, analyticsCandidates } from './analytics-signals.ts';
import { budgetCandidates, isBudgetRule } from './budget-signals.ts';
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

/** Candidates of all rules, the rules that failed and why, and each tenant's anomalies. */
export type CollectResult = {
  candidates: AlertCandidate[];
  failedRules: Set<string>;
  errors: RuleError[];
  /** Tenant → the detector's anomalies, held ones included (tenants whose detection failed are absent). */
  anomalies: Map<string, Anomaly[]>;
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
    errors.push({ rule, tenant, message: messageOf(err) });
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
  const anomalies = new Map<string, Anomaly[]>();
  const tenants = input.tenants ?? (await activeTenants(store, now));
  for (const tenant of tenants) {
    let detected: AnalyticsContext['anomalies'];
    try {
      const value = await detectAnomalies(store, {
        tenant,
        now,
        config: input.anomalies,
        includeHeld: true,
      });
      anomalies.set(tenant, value);
      detected = { ok: true, value };
    } catch (err) {
      detected = { ok: false, error: err };
      if (!otherRules.some((r) => r.kind === 'burn_rate_anomaly'))
        errors.push({ rule: 'anomaly detection', tenant, message: messageOf(err) });
    }
    const ctx = { store, tenant, now, pricer: input.pricer, anomalies: detected };
    for (const rule of otherRules) {
      if (isBudgetRule(rule)) continue;
      try {
        candidates.push(...(await analyticsCandidates(rule, ctx)));
      } catch (err) {
        fail(rule.name, tenant, err);
      }
    }
  }
  return { candidates, failedRules, errors, anomalies };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

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
