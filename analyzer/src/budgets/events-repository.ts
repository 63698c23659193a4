/**
 * @module
 * Reached budget thresholds, kept in `budget_events` (migration 0011) so each is reported once
 * per (tenant, budget, instance, period start, threshold).
 */
import { insertRows, queryRows, type Store } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime64ms } from '../shared/duration.ts';
import type { BudgetUnit } from './types.ts';

/**
 * Table names of this module. The store's `TABLES` map is the canonical home for table names;
 * this entry belongs there once the store package takes it.
 */
export const BUDGET_TABLES = { budgetEvents: 'budget_events' } as const;

/** A threshold reached by a budget instance in a period. */
export type ThresholdEvent = {
  tenant: string;
  budgetId: string;
  instance: string;
  /** Epoch ms; see `PeriodPlan.eventStart`. */
  periodStart: number;
  threshold: number;
  unit: BudgetUnit;
  spent: string;
  limit: string;
};

const KeyRow = z.object({
  tenant: z.string(),
  budget_id: z.string(),
  instance: z.string(),
  period_start_ms: z.coerce.number(),
  threshold: z.coerce.number(),
});

/** Identity of an event. */
export const eventKey = (e: {
  tenant: string;
  budgetId: string;
  instance: string;
  periodStart: number;
  threshold: number;
}): string => JSON.stringify([e.tenant, e.budgetId, e.instance, e.periodStart, e.threshold]);

/**
 * Records the events not recorded before and returns those (the newly reached thresholds).
 * The read and the insert run in the store's exclusive section, so two evaluations in this
 * process cannot both claim the same threshold.
 */
export async function recordThresholdEvents(
  store: Store,
  events: readonly ThresholdEvent[],
  nowMs: number,
): Promise<ThresholdEvent[]> {
  if (events.length === 0) return [];
  return store.exclusive(async () => {
    let minStart = Number.POSITIVE_INFINITY;
    let maxStart = Number.NEGATIVE_INFINITY;
    for (const e of events) {
      minStart = Math.min(minStart, e.periodStart);
      maxStart = Math.max(maxStart, e.periodStart);
    }
    const rows = await queryRows(store, {
      // The alias must not be period_start: ClickHouse would resolve the WHERE clause against it.
      query: `SELECT DISTINCT tenant, budget_id, instance,
          toUnixTimestamp64Milli(period_start) AS period_start_ms, threshold
        FROM ${BUDGET_TABLES.budgetEvents}
        WHERE tenant IN {tenants: Array(String)}
          AND budget_id IN {ids: Array(String)}
          AND period_start BETWEEN {min_start: DateTime64(3, 'UTC')} AND {max_start: DateTime64(3, 'UTC')}`,
      params: {
        tenants: [...new Set(events.map((e) => e.tenant))],
        ids: [...new Set(events.map((e) => e.budgetId))],
        min_start: toChDateTime64ms(minStart),
        max_start: toChDateTime64ms(maxStart),
      },
      schema: KeyRow,
    });
    const known = new Set(
      rows.map((r) =>
        eventKey({
          tenant: r.tenant,
          budgetId: r.budget_id,
          instance: r.instance,
          periodStart: r.period_start_ms,
          threshold: r.threshold,
        }),
      ),
    );
    const fresh = new Map<string, ThresholdEvent>();
    for (const e of events) {
      const key = eventKey(e);
      if (!known.has(key)) fresh.set(key, e);
    }
    await insertRows(
      store,
      BUDGET_TABLES.budgetEvents,
      [...fresh.values()].map((e) => ({
        tenant: e.tenant,
        budget_id: e.budgetId,
        instance: e.instance,
        period_start: toChDateTime64ms(e.periodStart),
        threshold: e.threshold,
        reached_at: toChDateTime64ms(nowMs),
        unit: e.unit,
        spent: e.spent,
        limit_amount: e.limit,
      })),
    );
    return [...fresh.values()];
  });
}

/** A recorded threshold with when it was first reached. */
export type ReachedThreshold = ThresholdEvent & { reachedAt: Date };

const ReachedRow = z.object({
  budget_id: z.string(),
  instance: z.string(),
  period_start_ms: z.coerce.number(),
  threshold: z.coerce.number(),
  unit: z.enum(['usd', 'tokens']),
  spent: z.string(),
  limit_amount: z.string(),
  reached_at_ms: z.coerce.number(),
});

/** Thresholds a tenant's budgets first reached in `[from, to)`, in the order they were reached. */
export async function listThresholdEvents(
  store: Store,
  params: { tenant: string; from: Date; to: Date },
): Promise<ReachedThreshold[]> {
  const rows = await queryRows(store, {
    query: `SELECT budget_id, instance, toUnixTimestamp64Milli(period_start) AS period_start_ms,
        threshold, any(unit) AS unit, toString(min(spent)) AS spent,
        toString(any(limit_amount)) AS limit_amount,
        toUnixTimestamp64Milli(min(reached_at)) AS reached_at_ms
      FROM ${BUDGET_TABLES.budgetEvents}
      WHERE tenant = {tenant: String}
        AND reached_at >= {from: DateTime64(3, 'UTC')} AND reached_at < {to: DateTime64(3, 'UTC')}
      GROUP BY budget_id, instance, period_start, threshold
      ORDER BY reached_at_ms, budget_id, instance, threshold`,
    params: {
      tenant: params.tenant,
      from: toChDateTime64ms(params.from.getTime()),
      to: toChDateTime64ms(params.to.getTime()),
    },
    schema: ReachedRow,
  });
  return rows.map((r) => ({
    tenant: params.tenant,
    budgetId: r.budget_id,
    instance: r.instance,
    periodStart: r.period_start_ms,
    threshold: r.threshold,
    unit: r.unit,
    spent: r.spent,
    limit: r.limit_amount,
    reachedAt: new Date(r.reached_at_ms),
  }));
}
