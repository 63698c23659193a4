import { dimensionNames, PriceOverrideSchema } from '@tokenwatch/schema';
import { z } from 'zod';
import { AlertsSchema } from './alerts-schema.ts';
import { AnomaliesSchema, BudgetSchema } from './analytics-schema.ts';
import { isTimeZone } from './fields.ts';
import { ReconcileSchema } from './reconcile-schema.ts';
import { ReportsSchema } from './reports-schema.ts';

// 0 asks the OS for a free port (tests, side-by-side instances).
const port = z.number().int().min(0).max(65_535);
// Retention ends in a ClickHouse DateTime, which stops in 2106: a longer TTL would wrap into the
// past and expire every row at once. 20,000 days (about 55 years) stays clear of it.
const days = z.number().int().min(1).max(20_000);
const positive = z.number().int().positive();

/** Attribution fields a mapping rule can fill: the table's attributable dimensions. */
export const ATTRIBUTION_FIELDS = dimensionNames('attributable');

const ApiKeySchema = z
  .object({
    tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    key_sha256: z
      .string()
      .regex(
        /^[0-9a-f]{64}$/,
        'the sha256 of the key in lower-case hex (tokenwatch keys create prints it)',
      ),
  })
  .strict();

/**
 * The tokenwatch.yaml file. Keys are snake_case as YAML users expect; unknown keys are errors so a
 * typo never silently falls back to a default.
 */
export const ConfigFileSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
        port: port
          .default(4318)
          .describe('Port for OTLP/HTTP and the API (4318 is the OTLP/HTTP port).'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4318 }),
    store: z
      .object({
        data_dir: z
          .string()
          .min(1)
          .default('./.tokenwatch/data')
          .describe(
            'Data directory of the embedded ClickHouse engine (relative to the working directory).',
          ),
        clickhouse_url: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe(
            'http(s)://user:pass@host:8123/db of a ClickHouse server; the embedded engine is used when absent.',
          ),
        cluster: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .optional()
          .describe(
            'ClickHouse cluster name: migrations then create Replicated and Distributed tables ON CLUSTER.',
          ),
      })
      .strict()
      .default({ data_dir: './.tokenwatch/data' }),
    auth: z
      .object({
        keys: z
          .array(ApiKeySchema)
          .default([])
          .describe(
            'API keys, stored as hashes; each maps to a tenant. More from TOKENWATCH_API_KEYS.',
          ),
      })
      .strict()
      .default({ keys: [] }),
    ingest: z
      .object({
        max_body_bytes: positive
          .default(16 * 1024 * 1024)
          .describe('Largest request body accepted, after decompression (413 beyond).'),
        max_pending_spans: positive
          .default(200_000)
          .describe('Spans waiting for the disk before requests get 429.'),
        max_spool_bytes: positive
          .default(1024 * 1024 * 1024)
          .describe(
            'Spool bytes not yet in the store before requests get 503 (store slow or down).',
          ),
        max_attributes_per_span: positive
          .default(256)
          .describe('Attributes kept per span; the rest are dropped and counted.'),
        max_attribute_value_bytes: positive
          .default(16 * 1024)
          .describe('Longest attribute value kept; longer values are cut and counted.'),
        max_distinct_values: positive
          .default(10_000)
          .describe(
            'Distinct values per attribution dimension (agent, team, …) and tenant per hour; new ones beyond become "_other".',
          ),
        raw_llm_spans: z
          .enum(['full', 'lean'])
          .default('full')
          .describe(
            'What otel_traces keeps of an LLM-call span: "full" (every attribute) or "lean" (ids, name, times, status; its model, tokens, cost and attribution live in llm_calls). Other spans are always kept whole.',
          ),
      })
      .strict()
      .default({
        max_body_bytes: 16 * 1024 * 1024,
        max_pending_spans: 200_000,
        max_spool_bytes: 1024 * 1024 * 1024,
        max_attributes_per_span: 256,
        max_attribute_value_bytes: 16 * 1024,
        max_distinct_values: 10_000,
        raw_llm_spans: 'full',
      }),
    attribution: z
      .object({
        rules: z
          .array(
            z
              .object({
                field: z.enum(ATTRIBUTION_FIELDS),
                from: z
                  .string()
                  .min(1)
                  .describe('Span or resource attribute to read, e.g. k8s.namespace.name.'),
              })
              .strict(),
          )
          .default([])
          .describe(
            'Fill an attribution field from another attribute when the span does not set it.',
          ),
      })
      .strict()
      .default({ rules: [] }),
    prices: z
      .array(PriceOverrideSchema)
      .default([])
      .describe(
        'Prices for custom, self-hosted or negotiated models; they win over the bundled price data.',
      ),
    timezone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'an IANA time zone such as UTC or Europe/Paris')
      .describe('Zone of calendar periods (budget days, weeks, months; weekly reports).'),
    budgets: z
      .array(BudgetSchema)
      .default([])
      .describe('Spend budgets: scope, period, limit, thresholds.'),
    anomalies: AnomaliesSchema.default(AnomaliesSchema.parse({})).describe(
      'Burn-rate anomaly detection.',
    ),
    alerts: AlertsSchema.prefault({}).describe('Alert rules and the receivers they notify.'),
    reports: ReportsSchema.default(ReportsSchema.parse({})).describe(
      'The weekly cost report: schedule, formats, deliveries.',
    ),
    reconcile: ReconcileSchema.prefault({}).describe(
      "How the providers' projects, workspaces and API keys map to Tokenwatch projects.",
    ),
    retention: z
      .object({
        raw_spans_days: days.default(30).describe('Days to keep raw spans (otel_traces).'),
        calls_days: days.default(400).describe('Days to keep llm_calls, tasks and the rollups.'),
      })
      .strict()
      .default({ raw_spans_days: 30, calls_days: 400 }),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The JSON Schema of tokenwatch.yaml, for editors (`tokenwatch config schema`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'tokenwatch.yaml',
    ...z.toJSONSchema(ConfigFileSchema, { io: 'input' }),
  };
}
