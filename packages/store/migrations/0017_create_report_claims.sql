-- Claims on a week's report delivery, so two servers over one store send it once. Each server
-- inserts its claim, waits for the other's to land, and the earliest claim (then the smaller
-- instance id) sends; a claim older than the lease is void, so a server that died mid-send is
-- taken over.
-- cluster: sharding_key = cityHash64(tenant, week)
CREATE TABLE IF NOT EXISTS report_claims
(
    tenant LowCardinality(String),
    week String,
    delivery String,
    instance String,
    claimed_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (tenant, week, delivery, claimed_at, instance)
TTL toDateTime(claimed_at) + toIntervalDay(60)
