-- Spans and requests the collector refused, per tenant, minute and reason: the data completeness
-- of reports ("412 spans rejected: missing span id"). Counts of one key are summed by merges,
-- so readers aggregate with sum().
-- cluster: sharding_key = cityHash64(tenant)
CREATE TABLE IF NOT EXISTS ingest_rejections
(
    tenant LowCardinality(String),
    minute DateTime('UTC'),
    reason LowCardinality(String),
    spans UInt64,
    requests UInt64
)
ENGINE = SummingMergeTree
ORDER BY (tenant, minute, reason)
TTL minute + toIntervalDay(400)
