import { dimensionNames } from '@tokenwatch/schema';
import { z } from 'zod';

/** Dimensions a budget scope or an anomaly entity can name: the table's scopable ones. */
export const SCOPE_FIELDS = dimensionNames('scopable');
export type ScopeField = (typeof SCOPE_FIELDS)[number];

const fraction = z.number().gt(0).max(10);
const duration = z.string().regex(/^\d+(s|m|h|d)$/, 'a duration such as 30s, 15m, 24h or 7d');

/** One budget from tokenwatch.yaml. */
export const BudgetSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    tenant: z
      .string()
      .optional()
      .describe('Tenant the budget belongs to; all tenants when absent.'),
    scope: z
      .partialRecord(z.enum(SCOPE_FIELDS), z.string())
      .default({})
      .describe('Attribution the budget covers, e.g. {team: growth}; {} covers the whole tenant.'),
    per: z
      .enum(SCOPE_FIELDS)
      .optional()
      .describe('One budget per value of this field within the scope, e.g. per: agent.'),
    period: z.enum(['daily', 'weekly', 'monthly', 'session', 'rolling']),
    window: duration.optional().describe('Length of a rolling period (period: rolling), e.g. 24h.'),
    limit_usd: z.number().positive().optional(),
    limit_tokens: z.number().int().positive().optional(),
    thresholds: z
      .array(fraction)
      .default([0.5, 0.8, 1])
      .describe('Fractions of the limit to report once per period.'),
    timezone: z
      .string()
      .optional()
      .describe('IANA zone for calendar periods; the top-level timezone when absent.'),
  })
  .strict()
  .refine((b) => (b.limit_usd === undefined) !== (b.limit_tokens === undefined), {
    message: 'give exactly one of limit_usd and limit_tokens',
  })
  .refine((b) => (b.period === 'rolling') === (b.window !== undefined), {
    message: 'a rolling period needs a window, and only a rolling period takes one',
  });
export type BudgetConfig = z.infer<typeof BudgetSchema>;

/** Burn-rate anomaly detection settings. */
export const AnomaliesSchema = z
  .object({
    entities: z
      .array(z.enum(SCOPE_FIELDS))
      .default(['agent', 'session', 'user', 'team', 'feature'])
      .describe('Entity kinds watched for burn-rate anomalies.'),
    ratio: z.number().gt(1).default(3).describe('Rate over baseline that counts as an anomaly.'),
    long_window: duration
      .default('2m')
      .describe('The rate must exceed the ratio over this window…'),
    short_window: duration.default('30s').describe('…and still over this one ("still burning").'),
    baseline_window: duration.default('7d').describe('Trailing window of the baseline.'),
    baseline_exclude: duration
      .default('15m')
      .describe('Most recent time left out of the baseline.'),
    min_active_minutes: z
      .number()
      .int()
      .positive()
      .default(30)
      .describe('Samples a baseline needs; fewer fall back to the parent cohort.'),
    min_tokens: z
      .number()
      .int()
      .nonnegative()
      .default(2000)
      .describe('Tokens in the long window below which nothing is flagged.'),
    min_cost_usd: z
      .number()
      .nonnegative()
      .default(0.01)
      .describe('Cost in the long window below which nothing is flagged.'),
  })
  .strict();
export type AnomaliesConfig = z.infer<typeof AnomaliesSchema>;
