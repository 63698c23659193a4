-- Every notification attempt sequence sent to a receiver (append-only audit log): which alert,
-- what it said (trigger, repeat, resolve), how it ended, after how many attempts and why.
-- cluster: sharding_key = cityHash64(tenant, fingerprint)
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    tenant LowCardinality(String),
    fingerprint String,
    rule LowCardinality(String),
    receiver LowCardinality(String),
    receiver_kind LowCardinality(String),
    event LowCardinality(String),
    status LowCardinality(String),
    attempts UInt8,
    http_status UInt16,
    error String,
    sent_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (tenant, fingerprint, sent_at)
TTL toDateTime(sent_at) + toIntervalDay(90)
