-- The hash of the whole request a call sent (`tokenwatch.request_hash`), from Tokenwatch's own
-- instrumentation: the same hash in one task is the same request sent again, which is how the
-- failures report finds retries exactly. Empty for calls from other emitters, which fall back to
-- the prefix-hash-and-prompt-size heuristic.
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS request_hash String DEFAULT '' CODEC(ZSTD(1))
