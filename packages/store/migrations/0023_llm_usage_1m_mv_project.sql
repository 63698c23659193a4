-- The rollup view groups by project too (0022 added the column). MODIFY QUERY swaps the view's
-- SELECT in place, so no insert into llm_calls ever finds the rollup without a view; everything
-- else is the view of 0007 unchanged. Calls stored before 0020 have the empty project.
ALTER TABLE llm_usage_1m_mv MODIFY QUERY
SELECT
    tenant,
    toStartOfMinute(start_time) AS minute,
    service,
    environment,
    agent,
    session_id,
    user_id,
    team,
    feature,
    project,
    provider,
    if(response_model != '', response_model, request_model) AS model,
    count() AS calls,
    countIf(c.status = 'error') AS failed_calls,
    countIf(c.total_cost IS NULL AND NOT c.usage_missing) AS unpriced_calls,
    countIf(c.usage_missing) AS usage_missing_calls,
    sum(c.input_tokens) AS input_tokens,
    sum(c.cache_read_tokens) AS cache_read_tokens,
    sum(c.cache_write_tokens) AS cache_write_tokens,
    sum(c.output_tokens) AS output_tokens,
    sum(c.reasoning_tokens) AS reasoning_tokens,
    sum(ifNull(c.input_cost, 0)) AS input_cost,
    sum(ifNull(c.cache_read_cost, 0)) AS cache_read_cost,
    sum(ifNull(c.cache_write_cost, 0)) AS cache_write_cost,
    sum(ifNull(c.output_cost, 0)) AS output_cost,
    sum(ifNull(c.total_cost, 0)) AS total_cost
FROM llm_calls AS c
WHERE c.revision = 0
GROUP BY tenant, minute, service, environment, agent, session_id, user_id, team, feature, project, provider, model
