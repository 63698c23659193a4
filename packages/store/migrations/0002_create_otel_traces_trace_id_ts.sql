-- Trace-id lookup table: narrows a trace-id search to the partitions that hold the trace
-- (the Grafana ClickHouse plugin reads it through the `_trace_id_ts` suffix).
-- cluster: sharding_key = cityHash64(TraceId)
CREATE TABLE IF NOT EXISTS otel_traces_trace_id_ts
(
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL Start + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
