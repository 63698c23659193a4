import { insertRows, queryRows, type Store } from '@tokenwatch/store';
import { z } from 'zod';

/** The table of migration 0014 (not in `TABLES`, which this module does not own). */
const REPORT_RUNS = 'report_runs';

/** Deliveries of a tenant's week that already went out. */
export async function getSentDeliveries(
  store: Store,
  params: { tenant: string; week: string },
): Promise<Set<string>> {
  const rows = await queryRows(store, {
    query: `SELECT delivery FROM ${REPORT_RUNS} FINAL
      WHERE tenant = {tenant: String} AND week = {week: String}`,
    params,
    schema: z.object({ delivery: z.string() }),
  });
  return new Set(rows.map((r) => r.delivery));
}

/** Records one delivery of a week's report. */
export async function recordDelivery(
  store: Store,
  run: { tenant: string; week: string; delivery: string; sentAt: Date; totalCostUsd: string },
): Promise<void> {
  await insertRows(store, REPORT_RUNS, [
    {
      tenant: run.tenant,
      week: run.week,
      delivery: run.delivery,
      sent_at: run.sentAt.toISOString().replace('T', ' ').replace('Z', ''),
      total_cost_usd: run.totalCostUsd,
    },
  ]);
}
