-- The rollup gets the project as a key column: a SummingMergeTree merges rows whose sorting key is
-- equal, so a column left out of the key would sum the calls of different projects into one row
-- under either project. ClickHouse lets a sorting key grow only by a column added in the same
-- statement and without a default expression (rows from before read its empty value, ''). The
-- primary key stays the old sorting key, a prefix of the new one.
-- Rendered for a cluster, the Distributed table gets the column only (it has no sorting key).
ALTER TABLE llm_usage_1m
    ADD COLUMN IF NOT EXISTS project LowCardinality(String) AFTER feature,
    MODIFY ORDER BY (tenant, minute, agent, model, team, feature, user_id, session_id, service, environment, provider, project)
