-- Per-minute rollup of llm_calls by attribution and model: the base for burn rates and fast
-- dashboards. Rows of one key are summed by background merges, so readers always aggregate with sum().
-- cluster: sharding_key = cityHash64(tenant, agent)
CREATE TABLE IF NOT EXISTS llm_usage_1m
(
    tenant LowCardinality(String),
    minute DateTime('UTC'),
    service LowCardinality(String),
    environment LowCardinality(String),
    agent LowCardinality(String),
    session_id String,
    user_id String,
    team LowCardinality(String),
    feature LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    calls UInt64,
    failed_calls UInt64,
    unpriced_calls UInt64,
    usage_missing_calls UInt64,
    input_tokens UInt64,
    cache_read_tokens UInt64,
    cache_write_tokens UInt64,
    output_tokens UInt64,
    reasoning_tokens UInt64,
    input_cost Decimal(38, 12),
    cache_read_cost Decimal(38, 12),
    cache_write_cost Decimal(38, 12),
    output_cost Decimal(38, 12),
    total_cost Decimal(38, 12)
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (tenant, minute, agent, model, team, feature, user_id, session_id, service, environment, provider)
TTL minute + toIntervalDay(400)
