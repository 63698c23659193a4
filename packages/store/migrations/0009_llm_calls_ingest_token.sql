-- The spool record a row was inserted from. A record replayed after a crash must insert exactly
-- the rows of its first attempt (same deduplication token, so the rollup view gets rows it may
-- have missed, once): the writer's duplicate check skips rows of its own record.
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS ingest_token String DEFAULT '' CODEC(ZSTD(1))
