-- Reads of llm_calls go without FINAL from this version on, so every call must have one visible
-- row. Repricing used to leave a call's earlier versions for ReplacingMergeTree to merge away some
-- time later; this deletes those left by earlier reprices (a reprice now deletes them itself).
-- On a cluster, run `tokenwatch reprice --since <first reprice>` once after upgrading instead.
-- cluster: skip
DELETE FROM llm_calls
WHERE (tenant, trace_id, span_id, revision) IN (
    SELECT tenant, trace_id, span_id, revision FROM (
        SELECT tenant, trace_id, span_id, revision,
            max(revision) OVER (PARTITION BY tenant, trace_id, span_id) AS latest
        FROM llm_calls
        WHERE revision > 0 OR (tenant, trace_id, span_id) IN (
            SELECT tenant, trace_id, span_id FROM llm_calls WHERE revision > 0))
    WHERE revision < latest)
