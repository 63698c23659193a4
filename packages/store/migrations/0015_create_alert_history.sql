-- Alert occurrences for reports: a row when an alert starts firing and another when it resolves.
-- `alert_state` keeps only the latest version of each alert, so an alert that fired twice in a
-- week would show once there. An occurrence is (tenant, fingerprint, starts_at); a row written
-- twice after a crash collapses on the key.
-- cluster: sharding_key = cityHash64(tenant, fingerprint)
CREATE TABLE IF NOT EXISTS alert_history
(
    tenant LowCardinality(String),
    fingerprint String,
    rule LowCardinality(String),
    kind LowCardinality(String),
    severity LowCardinality(String),
    event LowCardinality(String),
    labels Map(String, String),
    annotations Map(String, String),
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant, starts_at, fingerprint, event)
TTL toDateTime(starts_at) + toIntervalDay(400)
