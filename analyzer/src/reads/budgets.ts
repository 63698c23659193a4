import { z } from 'zod';
import { evaluateBudgets } from '../budgets/index.ts';
import { defineRead } from './contract.ts';
import {
  DecimalText,
  firstRows,
  Instant,
  limitParam,
  ROW_LIMIT,
  TruncatedSchema,
  timeParam,
  truncations,
} from './schemas.ts';

/** The state of one budget instance (see `budgets/types.ts` for each field). */
export const BudgetStatusSchema = z.object({
  budgetId: z.string(),
  tenant: z.string(),
  /** `''` for a budget without `per`, else its fields as `field=value` pairs. */
  instance: z.string(),
  /** The attribution this instance covers. */
  scope: z.record(z.string(), z.string()),
  per: z.string().optional(),
  period: z.object({
    kind: z.enum(['daily', 'weekly', 'monthly', 'session', 'rolling']),
    start: Instant,
    /** Null for a session, which has no end. */
    end: Instant.nullable(),
    timezone: z.string(),
  }),
  unit: z.enum(['usd', 'tokens']),
  limit: DecimalText,
  spent: DecimalText,
  remaining: DecimalText,
  /** spent / limit. */
  fraction: z.number(),
  thresholds: z.object({ reached: z.array(z.number()), newlyReached: z.array(z.number()) }),
  forecast: z.object({
    ratePerHour: DecimalText,
    projected: DecimalText.nullable(),
    exhaustsAt: Instant.nullable(),
    exhausted: z.boolean(),
  }),
  burn: z.array(
    z.object({
      severity: z.enum(['page', 'ticket']),
      longWindow: z.string(),
      shortWindow: z.string(),
      threshold: z.number(),
      longBurn: z.number(),
      shortBurn: z.number(),
      firing: z.boolean(),
    }),
  ),
  page: z.boolean(),
  ticket: z.boolean(),
});

/** What `budgets` answers. */
export const BudgetsResultSchema = z.object({
  at: Instant,
  budgets: z.array(BudgetStatusSchema),
  truncated: TruncatedSchema,
});

const defaults = { at: 'now', limit: String(ROW_LIMIT) } as const;

/**
 * `budgets`: each budget instance of the tenant at one moment, with the budgets in effect:
 * period-to-date spend, thresholds reached, forecast and burn-rate signals. Looking records
 * nothing: thresholds are the alert engine's to record.
 */
export const budgetsRead = defineRead({
  name: 'budgets',
  path: '/budgets',
  query: (context) =>
    z.object({ at: timeParam(context, { fallback: defaults.at }), limit: limitParam() }),
  defaults,
  result: BudgetsResultSchema,
  async run({ store, settings, tenant }, query) {
    const { config } = settings;
    const budgets = firstRows(
      await evaluateBudgets(store, {
        budgets: config.budgets,
        timezone: config.timezone,
        now: query.at,
        tenant,
        record: false,
      }),
      query.limit,
    );
    return {
      at: query.at,
      budgets: budgets.rows,
      truncated: truncations({ budgets: budgets.cut }),
    };
  },
  print: {
    tables: (result) => [
      {
        records: result.budgets.map((b) => ({
          budget: b.budgetId,
          instance: b.instance,
          unit: b.unit,
          spent: b.spent,
          limit: b.limit,
          used: `${(b.fraction * 100).toFixed(1)}%`,
          reached: b.thresholds.reached.map((t) => `${t * 100}%`).join(' '),
          exhausts_at: b.forecast.exhaustsAt?.toISOString() ?? '',
          signal: b.page ? 'PAGE' : b.ticket ? 'ticket' : '',
        })),
        truncated: result.truncated.budgets,
      },
    ],
  },
});
