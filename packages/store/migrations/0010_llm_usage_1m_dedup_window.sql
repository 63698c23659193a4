-- The rollup keeps its own window of recent insert blocks: when a replayed batch reaches the view
-- again, the view's block is deduplicated here (deduplicate_blocks_in_dependent_materialized_views).
-- Replicated tables keep such a window by default.
-- cluster: skip
ALTER TABLE llm_usage_1m MODIFY SETTING non_replicated_deduplication_window = 1000
