import type { AlertInstance } from './types.ts';

/** Fully spent: a budget_threshold alert at or above this percentage mutes the lower ones. */
const FULL_PCT = 100;

const budgetPeriodKey = (a: AlertInstance) =>
  JSON.stringify([a.tenant, a.labels.budget_id, a.labels.instance ?? '', a.labels.period_start]);
const entityKey = (a: AlertInstance) => JSON.stringify([a.tenant, a.labels.entity ?? '']);

/**
 * Fingerprints of firing alerts muted by others (Alertmanager inhibit rules, fixed):
 * - a budget threshold at 100 % mutes the lower thresholds of the same budget instance and period;
 * - a page mutes the tickets about the same entity (same tenant and `entity` label).
 * Muted alerts stay firing and are tracked; they are just not notified.
 */
export function mutedFingerprints(firing: readonly AlertInstance[]): Set<string> {
  const fullBudgets = new Set<string>();
  const pagedEntities = new Set<string>();
  for (const a of firing) {
    if (a.kind === 'budget_threshold' && Number(a.labels.threshold_pct) >= FULL_PCT)
      fullBudgets.add(budgetPeriodKey(a));
    if (a.severity === 'page' && a.labels.entity) pagedEntities.add(entityKey(a));
  }
  const muted = new Set<string>();
  for (const a of firing) {
    const lowerThreshold =
      a.kind === 'budget_threshold' &&
      Number(a.labels.threshold_pct) < FULL_PCT &&
      fullBudgets.has(budgetPeriodKey(a));
    const pagedTicket = a.severity === 'ticket' && pagedEntities.has(entityKey(a));
    if (lowerThreshold || pagedTicket) muted.add(a.fingerprint);
  }
  return muted;
}
