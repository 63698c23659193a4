-- Burn-rate anomalies as the detector saw them, whether or not an alert rule watches them: one
-- occurrence per (tenant, entity, start), from the evaluation that first flagged it to the last one
-- that still saw it (`ended_at`), with its peak ratio and the entity's spend over it. The alert
-- engine rewrites an open occurrence at each evaluation with a higher version; readers use FINAL.
-- cluster: sharding_key = cityHash64(tenant, entity_kind, entity_value)
CREATE TABLE IF NOT EXISTS anomaly_history
(
    tenant LowCardinality(String),
    entity_kind LowCardinality(String),
    entity_value String,
    started_at DateTime64(3, 'UTC'),
    ended_at DateTime64(3, 'UTC'),
    open UInt8,
    metric LowCardinality(String),
    peak_ratio Float64,
    peak_at DateTime64(3, 'UTC'),
    baseline Float64,
    cost_usd Decimal(38, 12),
    calls UInt64,
    tokens UInt64,
    top_model String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, started_at, entity_kind, entity_value)
TTL toDateTime(started_at) + toIntervalDay(400)
