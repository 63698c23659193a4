import { insertRows, queryRows, type Store } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime64ms } from '../shared/duration.ts';

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
      sent_at: toChDateTime64ms(run.sentAt.getTime()),
      total_cost_usd: run.totalCostUsd,
    },
  ]);
}

const REPORT_CLAIMS = 'report_claims';

/** One server's claim on sending a delivery of a week's report. */
export type ReportClaim = { instance: string; claimedAt: number };

/** Records this instance's claim on a delivery. */
export async function insertClaim(
  store: Store,
  claim: { tenant: string; week: string; delivery: string; instance: string; claimedAt: Date },
): Promise<void> {
  await insertRows(store, REPORT_CLAIMS, [
    {
      tenant: claim.tenant,
      week: claim.week,
      delivery: claim.delivery,
      instance: claim.instance,
      claimed_at: toChDateTime64ms(claim.claimedAt.getTime()),
    },
  ]);
}

/** Claims on a delivery made at or after `since`, earliest first (ties by instance id). */
export async function listClaims(
  store: Store,
  params: { tenant: string; week: string; delivery: string; since: Date },
): Promise<ReportClaim[]> {
  const rows = await queryRows(store, {
    query: `SELECT instance, toUnixTimestamp64Milli(claimed_at) AS claimed_ms
      FROM ${REPORT_CLAIMS}
      WHERE tenant = {tenant: String} AND week = {week: String} AND delivery = {delivery: String}
        AND claimed_at >= {since: DateTime64(3, 'UTC')}
      ORDER BY claimed_at, instance`,
    params: {
      tenant: params.tenant,
      week: params.week,
      delivery: params.delivery,
      since: toChDateTime64ms(params.since.getTime()),
    },
    schema: z.object({ instance: z.string(), claimed_ms: z.coerce.number() }),
  });
  return rows.map((r) => ({ instance: r.instance, claimedAt: r.claimed_ms }));
}
