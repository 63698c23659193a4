import { z } from 'zod';
import { SCOPE_FIELDS } from './analytics-schema.ts';
import { envName, hmacSecretEnv, httpUrl } from './fields.ts';

const duration = z.string().regex(/^\d+(s|m|h|d)$/, 'a duration such as 30s, 15m, 24h or 7d');
const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)');
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name such as team');

/** Alert severities: a page wakes someone, a ticket waits for working hours, info is a note. */
export const ALERT_SEVERITIES = ['page', 'ticket', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Rule kinds and the `{{placeholders}}` each one fills in annotation templates. */
export const ALERT_RULE_PLACEHOLDERS = {
  burn_rate_anomaly: [
    'entity_kind',
    'entity_value',
    'metric',
    'ratio',
    'short_ratio',
    'baseline',
    'tokens',
    'cost_usd',
    'calls',
    'top_model',
    'projected_cost_per_hour_usd',
  ],
  budget_threshold: ['budget_id', 'instance', 'threshold_pct', 'percent', 'spent', 'limit', 'unit'],
  budget_burn_rate: [
    'budget_id',
    'instance',
    'long_window',
    'short_window',
    'long_burn',
    'short_burn',
    'burn_threshold',
    'spent',
    'limit',
    'unit',
  ],
  budget_forecast: [
    'budget_id',
    'instance',
    'projected',
    'exhausts_at',
    'rate_per_hour',
    'spent',
    'limit',
    'unit',
  ],
  cost_per_task_regression: [
    'agent',
    'ratio',
    'median_usd',
    'baseline_median_usd',
    'p90_usd',
    'tasks',
    'p_value',
  ],
  cache_hit_rate_drop: ['agent', 'hit_rate_pct', 'previous_hit_rate_pct', 'drop_pct', 'calls'],
  failure_cost_ratio: [
    'agent',
    'waste_pct',
    'total_cost_usd',
    'failed_calls',
    'failed_tasks',
    'retries',
  ],
  unpriced_calls: ['unpriced_calls', 'calls', 'unpriced_pct'],
  coverage_drop: ['provider', 'coverage_pct', 'min_coverage_pct', 'billed_usd', 'unexplained_usd'],
} as const;
export type AlertRuleKind = keyof typeof ALERT_RULE_PLACEHOLDERS;

/**
 * Placeholders every rule kind fills. `entity` is the alert's entity label (`agent:planner`);
 * `entity_name` names it for people (`agent planner`, `agent planner (tenant acme)` when there are
 * several tenants).
 */
export const COMMON_PLACEHOLDERS = ['tenant', 'rule', 'severity', 'entity', 'entity_name'] as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const receiverBase = { name };

/**
 * Where notifications go. Secrets are only ever named by environment variable.
 *
 * `type` tells receivers apart here and report deliveries in `reports.deliveries[]`: one
 * spelling for "where does this go", the one Grafana's contact points use (`type: slack`,
 * `type: webhook`), and distinct from `kind`, which stays the key of alert rules (their variants
 * are signals, not destinations). Receivers used to be told apart by `kind`: the loader still
 * reads it, with a deprecation warning naming the file, line and key (`RENAMED_KEYS` in load.ts).
 */
export const AlertReceiverSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...receiverBase,
      type: z.literal('alertmanager'),
      url: httpUrl.describe('Alertmanager base URL; alerts are pushed to <url>/api/v2/alerts.'),
    })
    .strict(),
  z
    .object({
      ...receiverBase,
      type: z.literal('pagerduty'),
      routing_key_env: envName.describe('Variable holding the Events API v2 integration key.'),
      url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
    })
    .strict(),
  z
    .object({
      ...receiverBase,
      type: z.literal('slack'),
      webhook_url_env: envName.describe('Variable holding the Slack incoming-webhook URL.'),
    })
    .strict(),
  z
    .object({
      ...receiverBase,
      type: z.literal('webhook'),
      url: httpUrl,
      hmac_secret_env: hmacSecretEnv,
    })
    .strict(),
]);
export type AlertReceiverConfig = z.infer<typeof AlertReceiverSchema>;

const ruleBase = {
  name,
  severity: z.enum(ALERT_SEVERITIES),
  labels: z.record(labelName, z.string()).default({}).describe('Extra labels on every instance.'),
  annotations: z
    .record(labelName, z.string())
    .default({})
    .describe('Templates with {{placeholders}}; summary and description have built-in defaults.'),
  receivers: z
    .array(name)
    .optional()
    .describe('Receivers to notify; all configured receivers when absent.'),
  repeat_interval: z
    .union([duration, z.literal('never')])
    .optional()
    .describe('Re-notify an unchanged firing alert after this long; per-severity default.'),
  for: duration.optional().describe('Pending time before firing; none by default.'),
  keep_firing_for: duration
    .optional()
    .describe(
      'How long the condition must stay false before a firing alert resolves; three evaluations by default.',
    ),
};
const budgetIds = z.array(z.string()).optional().describe('Budget ids; all budgets when absent.');
const window = duration.default('1h').describe('Window the figure is measured over.');

/** One alert rule; `kind` selects the signal and its parameters. */
export const AlertRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...ruleBase,
      kind: z.literal('burn_rate_anomaly'),
      entities: z.array(z.enum(SCOPE_FIELDS)).optional().describe('Entity kinds; all watched.'),
    })
    .strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('budget_threshold'),
      budgets: budgetIds,
      thresholds: z
        .array(z.number().gt(0).max(10))
        .optional()
        .describe('Fractions this rule covers, e.g. [1]; all of each budget when absent.'),
    })
    .strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('budget_burn_rate'),
      budgets: budgetIds,
      signal: z
        .enum(['page', 'ticket'])
        .optional()
        .describe('Burn-rate pairs to watch; the severity (page, else ticket) when absent.'),
    })
    .strict(),
  z.object({ ...ruleBase, kind: z.literal('budget_forecast'), budgets: budgetIds }).strict(),
  z.object({ ...ruleBase, kind: z.literal('cost_per_task_regression') }).strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('cache_hit_rate_drop'),
      window,
      min_drop: z.number().gt(0).max(1).default(0.2).describe('Drop of the hit rate (0–1).'),
      min_calls: z.number().int().positive().default(20),
    })
    .strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('failure_cost_ratio'),
      window,
      max_ratio: z.number().gt(0).max(1).default(0.25).describe('Wasted share of cost (0–1).'),
      min_cost_usd: z.number().nonnegative().default(1),
    })
    .strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('unpriced_calls'),
      window,
      min_calls: z.number().int().positive().default(1),
    })
    .strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('coverage_drop'),
      window: duration
        .default('7d')
        .describe('Window compared, from the UTC day it starts in (provider buckets are UTC).'),
      min_coverage: z
        .number()
        .gt(0)
        .max(1)
        .default(0.9)
        .describe("Share of a provider's billed cost Tokenwatch must observe (0–1)."),
      min_billed_usd: z
        .number()
        .nonnegative()
        .default(1)
        .describe('Billed cost in the window below which a provider is not judged.'),
    })
    .strict(),
]);
export type AlertRuleConfig = z.infer<typeof AlertRuleSchema>;

/** The `alerts:` section of tokenwatch.yaml. */
export const AlertsSchema = z
  .object({
    evaluate_every: duration.default('30s').describe('How often rules are evaluated.'),
    repeat_interval: z
      .object({
        page: duration.default('1h'),
        ticket: duration.default('4h'),
        info: duration.default('24h'),
      })
      .strict()
      .prefault({})
      .describe('Re-notify unchanged firing alerts after this long, by severity.'),
    external_url: httpUrl.optional().describe('Base URL of links (generatorURL) in alerts.'),
    tenants: z
      .array(z.string())
      .optional()
      .describe('Tenants evaluated; every tenant with recent spend when absent.'),
    receivers: z.array(AlertReceiverSchema).default([]),
    rules: z
      .array(AlertRuleSchema)
      .optional()
      .describe('Alert rules; built-in defaults when absent (an empty list disables alerting).'),
  })
  .strict()
  .superRefine((alerts, ctx) => {
    const receivers = new Set<string>();
    alerts.receivers.forEach((r, i) => {
      if (receivers.has(r.name))
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: 'duplicate name' });
      receivers.add(r.name);
    });
    const rules = new Set<string>();
    (alerts.rules ?? []).forEach((rule, i) => {
      if (rules.has(rule.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: 'duplicate name' });
      rules.add(rule.name);
      rule.receivers?.forEach((receiver, j) => {
        if (!receivers.has(receiver))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'receivers', j],
            message: `no receiver named ${JSON.stringify(receiver)}`,
          });
      });
      const known = new Set<string>([
        ...COMMON_PLACEHOLDERS,
        ...ALERT_RULE_PLACEHOLDERS[rule.kind],
      ]);
      for (const [key, template] of Object.entries(rule.annotations)) {
        for (const match of template.matchAll(PLACEHOLDER)) {
          if (!known.has(match[1]!))
            ctx.addIssue({
              code: 'custom',
              path: ['rules', i, 'annotations', key],
              message: `unknown placeholder {{${match[1]}}} for ${rule.kind}; known: ${[...known].join(', ')}`,
            });
        }
      }
    });
  });
export type AlertsConfig = z.infer<typeof AlertsSchema>;

/**
 * Rules used when the config lists none: a runaway agent or session pages, a fully spent budget
 * pages, 50 % and 80 % open tickets, and fast budget burn pages or tickets by its SRE pair.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRuleConfig[] = [
  {
    name: 'runaway',
    kind: 'burn_rate_anomaly',
    severity: 'page',
    labels: {},
    annotations: {},
    entities: ['agent', 'session'],
  },
  {
    name: 'budget_exhausted',
    kind: 'budget_threshold',
    severity: 'page',
    labels: {},
    annotations: {},
    thresholds: [1],
  },
  {
    name: 'budget_threshold',
    kind: 'budget_threshold',
    severity: 'ticket',
    labels: {},
    annotations: {},
    thresholds: [0.5, 0.8],
  },
  {
    name: 'budget_burn_page',
    kind: 'budget_burn_rate',
    severity: 'page',
    labels: {},
    annotations: {},
  },
  {
    name: 'budget_burn_ticket',
    kind: 'budget_burn_rate',
    severity: 'ticket',
    labels: {},
    annotations: {},
  },
];

/** The rules in force: the configured ones, or {@link DEFAULT_ALERT_RULES} when none are given. */
export function effectiveAlertRules(alerts: AlertsConfig): readonly AlertRuleConfig[] {
  return alerts.rules ?? DEFAULT_ALERT_RULES;
}
