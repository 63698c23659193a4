import { z } from 'zod';

const usd = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal USD amount as a string');
const ratio = z.number().nullable();
const count = z.number().int().nonnegative();

/** Spend, tokens and calls of one range. */
const TotalsSchema = z.object({ costUsd: usd, tokens: count, calls: count });

/** One group of an attribution table (a team, an agent, a model…) with its change. */
export const AttributionLineSchema = z.object({
  dimension: z.string(),
  /** The group's value per dimension; `''` is unattributed. */
  key: z.record(z.string(), z.string()),
  label: z.string(),
  costUsd: usd,
  previousCostUsd: usd,
  deltaUsd: usd,
  /** Null when the group spent nothing the week before. */
  deltaRatio: ratio,
  /** Share of the week's spend, 0–1. */
  share: z.number(),
  calls: count,
  tokens: count,
  unpricedCalls: count,
});
export type AttributionLine = z.infer<typeof AttributionLineSchema>;

const MoverSchema = z.object({
  dimension: z.string(),
  label: z.string(),
  costUsd: usd,
  previousCostUsd: usd,
  deltaUsd: usd,
  deltaRatio: ratio,
});

const AgentTasksSchema = z.object({
  agent: z.string(),
  tasks: count,
  successes: count,
  failures: count,
  costUsd: usd,
  costPerTaskUsd: usd.nullable(),
  costPerSuccessfulTaskUsd: usd.nullable(),
  previousCostPerTaskUsd: usd.nullable(),
  previousCostPerSuccessfulTaskUsd: usd.nullable(),
  /** Relative change of cost per successful task; null when either week has none. */
  costPerSuccessfulTaskDeltaRatio: ratio,
});

const FailureLineSchema = z.object({
  agent: z.string(),
  failedTasks: count,
  failedTaskCostUsd: usd,
  failedCalls: count,
  failedCallCostUsd: usd,
  retries: count,
  retryCostUsd: usd,
  wasteShare: z.number(),
});

const CacheAgentSchema = z.object({
  agent: z.string(),
  hitRate: z.number(),
  savingsUsd: usd,
  wastedWriteCostUsd: usd,
  prefixChurn: z.number(),
  breaksCache: z.boolean(),
});

const BudgetLineSchema = z.object({
  budgetId: z.string(),
  instance: z.string(),
  unit: z.enum(['usd', 'tokens']),
  periodStart: z.string(),
  periodEnd: z.string().nullable(),
  limit: usd,
  spent: usd,
  fraction: z.number(),
  thresholdsReached: z.array(z.number()),
  projected: usd.nullable(),
  exhaustsAt: z.string().nullable(),
  exhausted: z.boolean(),
});

const AlertOccurrenceSchema = z.object({
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  /** What the alert is about (its `entity` label), `''` when tenant-wide. */
  entity: z.string(),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  startsAt: z.string(),
  /** Null while still firing when the report was built. */
  endsAt: z.string().nullable(),
  /** Whole minutes it fired (to the report's build time when still open). */
  minutes: count,
});

const ThresholdReachedSchema = z.object({
  budgetId: z.string(),
  instance: z.string(),
  /** 0–1 fraction of the limit, e.g. 0.8. */
  threshold: z.number(),
  reachedAt: z.string(),
  unit: z.enum(['usd', 'tokens']),
  spent: usd,
  limit: usd,
});

const DaySchema = z.object({
  date: z.string(),
  /** The day had begun when the report was built; a later day has no figures, only zeros. */
  elapsed: z.boolean(),
  costUsd: usd,
  calls: count,
  /** Spend per team that day; `''` is unattributed. */
  byTeam: z.record(z.string(), usd),
  /** Cache hit rate of the day; null without prompt tokens (no calls, or a day still to come). */
  hitRate: z.number().nullable(),
});

/**
 * A weekly cost report: showback (costs shown by team/agent/feature, not posted to their P&L).
 * Money is exact decimal strings; shares and ratios are numbers.
 */
export const WeeklyReportSchema = z.object({
  kind: z.literal('tokenwatch.weekly-report'),
  version: z.literal(1),
  tenant: z.string(),
  week: z.object({ label: z.string(), from: z.string(), to: z.string(), timezone: z.string() }),
  generatedAt: z.string(),
  /** What a reader must know first, e.g. that the default week was empty and how to pick another. */
  notes: z.array(z.string()),
  totals: z.object({
    current: TotalsSchema,
    previous: TotalsSchema,
    /** Mean of the four weeks before this one (weeks without data count as zero). */
    fourWeekAverage: z.object({ costUsd: usd, tokens: z.number(), calls: z.number() }),
    deltaUsd: usd,
    deltaRatio: ratio,
    vsFourWeekAverageRatio: ratio,
  }),
  attribution: z.record(z.string(), z.array(AttributionLineSchema)),
  topMovers: z.object({ absolute: z.array(MoverSchema), relative: z.array(MoverSchema) }),
  /** The largest attributed group of each table; unattributed spend is stated apart. */
  concentration: z.array(
    z.object({
      dimension: z.string(),
      label: z.string(),
      share: z.number(),
      statement: z.string(),
    }),
  ),
  /** Spend with no team, agent or feature, e.g. "$0.38 (18.9%) of spend has no team". */
  unattributed: z.array(
    z.object({ dimension: z.string(), costUsd: usd, share: z.number(), statement: z.string() }),
  ),
  tasks: z.array(AgentTasksSchema),
  failures: z.object({
    failedTaskCostUsd: usd,
    failedCallCostUsd: usd,
    retryCostUsd: usd,
    retries: count,
    agents: z.array(FailureLineSchema),
  }),
  cache: z.object({
    hitRate: z.number(),
    previousHitRate: z.number(),
    savingsUsd: usd,
    wastedWriteCostUsd: usd,
    agentsBreakingCache: z.array(z.string()),
    agents: z.array(CacheAgentSchema),
  }),
  /**
   * Every budget instance as `tokenwatch budgets --at budgetsAt` shows it: evaluated at the end of
   * the week, or at the build time while the week runs.
   */
  budgets: z.array(BudgetLineSchema),
  budgetsAt: z.string(),
  /**
   * What the alert engine saw this week (recorded while `serve` runs): every alert occurrence that
   * fired during the week, the burn-rate anomalies among them, and budget thresholds reached.
   */
  alerts: z.object({
    occurrences: count,
    bySeverity: z.record(z.string(), count),
    items: z.array(AlertOccurrenceSchema),
    anomalies: z.array(AlertOccurrenceSchema),
    budgetThresholds: z.array(ThresholdReachedSchema),
  }),
  unpriced: z.object({
    calls: count,
    byModel: z.array(z.object({ model: z.string(), calls: count })),
  }),
  completeness: z.object({
    /** Days of the week that have begun (all seven once the week is over). */
    days: count,
    daysWithData: count,
    missingDays: z.array(z.string()),
    /** Runs of hours without calls where past weeks usually had some (likely ingest outages). */
    gaps: z.array(z.object({ from: z.string(), to: z.string(), hours: count })),
    /** Spans and whole requests the collector refused this week, by reason. */
    rejectedSpans: count,
    rejectedRequests: count,
    rejections: z.array(z.object({ reason: z.string(), spans: count, requests: count })),
  }),
  daily: z.array(DaySchema),
  /**
   * Each provider's bill against what Tokenwatch observed of it (`tokenwatch reconcile`); absent
   * when no provider usage was imported or fetched for the week.
   */
  providerCoverage: z
    .array(
      z.object({
        provider: z.string(),
        billedUsd: usd,
        /** Share of the bill Tokenwatch observed (at the provider's prices); null when 0 billed. */
        observedShare: z.number().nullable(),
        /** Billed, never observed. */
        unexplainedUsd: usd,
        /** Tokenwatch's cost of the observed tokens minus the provider's. */
        priceDriftUsd: usd,
      }),
    )
    .optional(),
});

/** A weekly report as `buildWeeklyReport` returns it. */
export type WeeklyReport = z.infer<typeof WeeklyReportSchema>;
