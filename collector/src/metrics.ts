import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The collector's Prometheus metrics, on their own registry (served at /metrics). */
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

/** Creates the collector's metrics. */
export function createCollectorMetrics() {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    requests: counter('tokenwatch_ingest_requests_total', 'OTLP export requests by HTTP status.', [
      'status',
    ]),
    spansReceived: counter('tokenwatch_spans_received_total', 'Spans in decoded requests.'),
    spansAccepted: counter('tokenwatch_spans_accepted_total', 'Spans made durable.'),
    spansRejected: counter(
      'tokenwatch_spans_rejected_total',
      'Spans rejected one by one (partial success).',
    ),
    llmCalls: counter('tokenwatch_llm_calls_total', 'Billable LLM calls accepted.'),
    unpricedCalls: counter(
      'tokenwatch_unpriced_calls_total',
      'LLM calls with usage but no known price (cost NULL).',
    ),
    usageMissingCalls: counter(
      'tokenwatch_usage_missing_calls_total',
      'LLM calls whose spans reported no usage.',
    ),
    doubleReported: counter(
      'tokenwatch_double_reported_spans_total',
      'Call spans not billed because an inner span reports the same request.',
    ),
    aggregateSpans: counter(
      'tokenwatch_aggregate_spans_total',
      'Spans carrying summed usage (agents, workflows): recorded, not billed.',
    ),
    duplicateCalls: counter(
      'tokenwatch_duplicate_calls_total',
      'Calls dropped by the store writer as already stored (client retries, replays).',
    ),
    attributesDropped: counter(
      'tokenwatch_attributes_dropped_total',
      'Span attributes dropped over the per-span limit.',
    ),
    valuesTruncated: counter(
      'tokenwatch_attribute_values_truncated_total',
      'Attribute values cut to the length limit.',
    ),
    cardinalityCapped: counter(
      'tokenwatch_cardinality_capped_total',
      'Attribution values replaced by "_other" over the distinct-value limit.',
      ['dimension'],
    ),
    storeErrors: counter(
      'tokenwatch_store_errors_total',
      'Failed inserts into the store (retried).',
    ),
    batchSeconds: new Histogram({
      name: 'tokenwatch_ingest_batch_seconds',
      help: 'Time from request body to durable acknowledgement.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    queuedSpans: new Gauge({
      name: 'tokenwatch_ingest_queued_spans',
      help: 'Spans accepted, waiting for the disk.',
      registers: [registry],
    }),
    spoolLagBytes: new Gauge({
      name: 'tokenwatch_spool_lag_bytes',
      help: 'Spooled bytes not yet in the store.',
      registers: [registry],
    }),
    // The configuration in effect, so a fleet can be checked against the file it should run.
    configLoaded: new Gauge({
      name: 'tokenwatch_config_loaded_timestamp_seconds',
      help: 'When the configuration in effect was loaded (start or last applied reload).',
      registers: [registry],
    }),
    configInfo: new Gauge({
      name: 'tokenwatch_config_info',
      help: 'Always 1; sha256 is the checksum of the config file in effect.',
      labelNames: ['sha256'],
      registers: [registry],
    }),
    configReloads: counter(
      'tokenwatch_config_reloads_total',
      'Config reloads by result: applied, or refused (invalid edit; the running config stays).',
      ['result'],
    ),
  };
}
