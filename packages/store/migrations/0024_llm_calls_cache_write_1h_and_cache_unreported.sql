-- cache_write_1h_tokens: the part of cache_write_tokens written to Anthropic's 1-hour cache, which
-- costs more than the 5-minute writes (2x input against 1.25x); a part, like reasoning_tokens of
-- output_tokens, so every sum of cache writes stays right without it.
-- cache_unreported: the call's emitter is known never to report cache tokens (they are inside
-- input_tokens and priced as uncached input), so its cache figures are a blind spot, not zero.
ALTER TABLE llm_calls
    ADD COLUMN IF NOT EXISTS cache_write_1h_tokens UInt64 DEFAULT 0 AFTER cache_write_tokens,
    ADD COLUMN IF NOT EXISTS cache_unreported Bool DEFAULT false AFTER usage_missing
