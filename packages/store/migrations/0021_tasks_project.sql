-- Tasks carry the same attribution as their calls, the project included.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT '' AFTER feature
