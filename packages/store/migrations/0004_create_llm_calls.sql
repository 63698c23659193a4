-- One row per billable LLM call. Tokens are split by kind and never overlap:
--   input_tokens is the uncached input; the prompt was input + cache_read + cache_write tokens;
--   reasoning_tokens are part of output_tokens.
-- Costs are exact decimals in USD; NULL means "not priced" (unknown model or usage missing), never 0.
-- Identity is (tenant, trace_id, span_id): the writer drops spans it already stored, and the
-- ReplacingMergeTree key collapses anything that slips through, so readers that must be exact on
-- raw rows use FINAL. `revision` > 0 marks corrected rows (repricing); the rollup ignores them.
-- cluster: sharding_key = cityHash64(tenant, trace_id)
CREATE TABLE IF NOT EXISTS llm_calls
(
    tenant LowCardinality(String),
    start_time DateTime64(9, 'UTC'),
    duration_ns UInt64,
    trace_id String,
    span_id String,
    parent_span_id String,
    task_id String,
    session_id String,
    service LowCardinality(String),
    environment LowCardinality(String),
    agent LowCardinality(String),
    user_id String,
    team LowCardinality(String),
    feature LowCardinality(String),
    provider LowCardinality(String),
    operation LowCardinality(String),
    request_model LowCardinality(String),
    response_model LowCardinality(String),
    model LowCardinality(String) ALIAS if(response_model != '', response_model, request_model),
    input_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    output_tokens UInt64,
    reasoning_tokens UInt64,
    usage_missing Bool DEFAULT false,
    input_cost Nullable(Decimal(18, 12)),
    cache_read_cost Nullable(Decimal(18, 12)),
    cache_write_cost Nullable(Decimal(18, 12)),
    output_cost Nullable(Decimal(18, 12)),
    total_cost Nullable(Decimal(18, 12)),
    price_source LowCardinality(String),
    price_version LowCardinality(String),
    status LowCardinality(String),
    error_type LowCardinality(String),
    finish_reason LowCardinality(String),
    context_window UInt32,
    prefix_hash String,
    attributes Map(LowCardinality(String), String),
    revision UInt32 DEFAULT 0,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_span_id span_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_task_id task_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant, toStartOfHour(start_time), trace_id, span_id)
TTL toDateTime(start_time) + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000
