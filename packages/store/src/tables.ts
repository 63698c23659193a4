/** Table names, the only identifiers that may be interpolated into SQL text. */
export const TABLES = {
  migrations: 'schema_migrations',
  otelTraces: 'otel_traces',
  otelTraceIds: 'otel_traces_trace_id_ts',
  llmCalls: 'llm_calls',
  tasks: 'tasks',
  usage1m: 'llm_usage_1m',
  ingestRejections: 'ingest_rejections',
  providerUsage: 'provider_usage',
} as const;

export type TableName = (typeof TABLES)[keyof typeof TABLES];
