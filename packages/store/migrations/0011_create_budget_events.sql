-- Budget thresholds already reported: one row per (tenant, budget, instance, period start,
-- threshold), so a threshold is reported once per period however often budgets are evaluated.
-- The evaluator checks for the key before inserting; a row that slips in twice collapses on the
-- key. Session budgets record period_start 0 (the session is the period), so the TTL runs on
-- reached_at rather than on period_start.
-- cluster: sharding_key = cityHash64(tenant, budget_id)
CREATE TABLE IF NOT EXISTS budget_events
(
    tenant LowCardinality(String),
    budget_id String,
    instance String,
    period_start DateTime64(3, 'UTC'),
    threshold Float64,
    reached_at DateTime64(3, 'UTC'),
    unit LowCardinality(String),
    spent Decimal(38, 12),
    limit_amount Decimal(38, 12)
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant, budget_id, instance, period_start, threshold)
TTL toDateTime(reached_at) + toIntervalDay(400)
