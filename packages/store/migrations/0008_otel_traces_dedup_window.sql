-- Remember recent insert blocks of otel_traces so a replayed block (same deduplication token) is
-- dropped. Replicated tables keep such a window by default, so the cluster schema needs nothing.
-- cluster: skip
ALTER TABLE otel_traces MODIFY SETTING non_replicated_deduplication_window = 1000
