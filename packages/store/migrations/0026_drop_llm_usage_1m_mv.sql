-- The per-minute rollup is filled by the writer itself from now on (insertLlmCalls inserts the
-- summed rows under its own deduplication token). Through the view, a batch replayed after a
-- restart reached the rollup a second time: ClickHouse derives the view's deduplication id
-- differently when the source block is itself a duplicate, so the view's copy was not dropped.
-- Rows already in the rollup stay as they are.
DROP VIEW IF EXISTS llm_usage_1m_mv
