-- One row per alert instance (tenant, fingerprint of its sorted labels): its state and when each
-- receiver was last notified, so a restarted engine neither re-pages nor forgets an open incident.
-- Every change writes a new row with a higher version; readers use FINAL. Resolved rows age out.
-- cluster: sharding_key = cityHash64(tenant, fingerprint)
CREATE TABLE IF NOT EXISTS alert_state
(
    tenant LowCardinality(String),
    fingerprint String,
    rule LowCardinality(String),
    kind LowCardinality(String),
    severity LowCardinality(String),
    state LowCardinality(String),
    labels Map(String, String),
    annotations Map(String, String),
    active_at DateTime64(3, 'UTC'),
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    notified Map(String, Int64),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant, fingerprint)
TTL toDateTime(active_at) + toIntervalDay(400)
