-- What the providers bill, imported from their usage and cost exports (OpenAI organization usage
-- and costs, Anthropic usage and cost reports), to reconcile with the calls Tokenwatch observed.
-- One row per export line: line_kind 'usage' rows carry tokens and requests, 'cost' rows carry
-- money (cost_usd, exact; Anthropic's cents already divided by 100). A dimension the export was
-- not grouped by is ''. The key is the whole identity of a line, so importing the same bucket
-- again (a re-fetch of the trailing days, a file imported twice) replaces it: the newest import
-- wins, and readers use FINAL. Buckets are UTC, as both providers cut them.
-- cluster: sharding_key = cityHash64(tenant, provider)
CREATE TABLE IF NOT EXISTS provider_usage
(
    tenant LowCardinality(String),
    provider LowCardinality(String),
    bucket_start DateTime('UTC'),
    bucket_width LowCardinality(String),
    line_kind LowCardinality(String),
    model LowCardinality(String),
    project String,
    api_key String,
    service_tier LowCardinality(String),
    batch LowCardinality(String),
    line_item String,
    uncached_input_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    output_tokens UInt64,
    requests UInt64,
    cost_usd Decimal(38, 12),
    imported_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
PARTITION BY toYYYYMM(bucket_start)
ORDER BY (tenant, provider, bucket_start, bucket_width, line_kind, model, project, api_key, service_tier, batch, line_item)
TTL bucket_start + toIntervalDay(400)
