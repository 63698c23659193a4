-- The project a call belongs to (`tokenwatch.project`, else the resource's `service.namespace`): a
-- dimension like team and feature, low-cardinality (the collector's cardinality guard caps it).
ALTER TABLE llm_calls ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT '' AFTER feature
