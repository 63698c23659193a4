import { z } from 'zod';

// 0 asks the OS for a free port (tests, side-by-side instances).
const port = z.number().int().min(0).max(65_535);
const days = z.number().int().min(1).max(100_000);

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
