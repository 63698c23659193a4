/**
 * The weekly report's provider section: each provider's bill for the week against what Tokenwatch
 * observed of it, from the imported or fetched provider usage (`tokenwatch reconcile`).
 *
 * @module
 */
import type { Store } from '@tokenwatch/store';
import type { TimeRange } from '../analytics/time-range.ts';
import { getReconcileReport } from '../reconcile/compare.ts';
import type { WeeklyReport } from './schema.ts';

/**
 * One line per provider with live (not Batch) usage imported for the week. Provider buckets are
 * UTC days, so the comparison starts at the UTC day the week starts in. Empty without imports.
 */
export async function providerCoverageSection(
  store: Store,
  tenant: string,
  range: TimeRange,
): Promise<NonNullable<WeeklyReport['providerCoverage']>> {
  const report = await getReconcileReport(store, {
    tenant,
    from: range.from,
    to: range.to,
    by: 'model',
  });
  return report.totals
    .filter((t) => t.tier === 'live' && t.billed.costUsd !== null)
    .map((t) => ({
      provider: t.provider,
      billedUsd: t.billed.costUsd ?? '0',
      observedShare: t.coverage.cost,
      unexplainedUsd: t.unexplainedUsd ?? '0',
      priceDriftUsd: t.priceDriftUsd,
    }));
}
