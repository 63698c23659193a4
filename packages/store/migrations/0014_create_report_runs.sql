-- Weekly reports already delivered: one row per (tenant, ISO week, delivery), so a scheduler that
-- restarts, or a second server over the same store, sends each week's report once per delivery.
-- cluster: sharding_key = cityHash64(tenant, week)
CREATE TABLE IF NOT EXISTS report_runs
(
    tenant LowCardinality(String),
    week String,
    delivery String,
    sent_at DateTime64(3, 'UTC'),
    total_cost_usd Decimal(38, 12)
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant, week, delivery)
TTL toDateTime(sent_at) + toIntervalDay(400)
