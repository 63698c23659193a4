-- One row per task (a unit of agent work with an outcome). A task is written again when more is
-- known about it (its end, its outcome); the row with the latest updated_at wins, so readers use FINAL.
-- cluster: sharding_key = cityHash64(tenant, task_id)
CREATE TABLE IF NOT EXISTS tasks
(
    tenant LowCardinality(String),
    task_id String,
    trace_id String,
    name String,
    session_id String,
    service LowCardinality(String),
    environment LowCardinality(String),
    agent LowCardinality(String),
    user_id String,
    team LowCardinality(String),
    feature LowCardinality(String),
    start_time DateTime64(9, 'UTC'),
    end_time DateTime64(9, 'UTC'),
    outcome Enum8('unknown' = 0, 'success' = 1, 'failure' = 2, 'partial' = 3, 'abandoned' = 4),
    error String,
    attributes Map(LowCardinality(String), String),
    updated_at DateTime64(9, 'UTC') DEFAULT now64(9),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant, task_id)
TTL toDateTime(start_time) + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000
