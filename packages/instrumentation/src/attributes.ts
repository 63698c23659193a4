/**
 * @module
 * Attribute and event names this package writes that the collector does not read, so they stay
 * out of `@tokenwatch/schema/semconv`. The GenAI ones are the OpenTelemetry names.
 */

/** GenAI and server attributes of call spans. */
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

/** Span event: the call's context crossed a tier of the model's window. */
export const EVENT_CONTEXT_TIER = 'tokenwatch.context.tier';
/** Span event: the guard changed the request to fit the budget. */
export const EVENT_BUDGET_DEGRADED = 'tokenwatch.budget.degraded';
/** Span event: the budget is exceeded and the policy is `warn`; the call went ahead. */
export const EVENT_BUDGET_EXCEEDED = 'tokenwatch.budget.exceeded';
/** Span event: the guard's pre-flight estimate of an admitted call (to compare with its usage). */
export const EVENT_BUDGET_ESTIMATE = 'tokenwatch.budget.estimate';
/** Span event on the active span (the task's): the guard refused a call before sending it. */
export const EVENT_CALL_REFUSED = 'tokenwatch.call.refused';

/** Attributes of the events above. */
export const ATTR_TIER = 'tokenwatch.context.tier';
export const ATTR_CONTEXT_RATIO = 'tokenwatch.context.ratio';
export const ATTR_CONTEXT_TOKENS = 'tokenwatch.context.tokens';
export const ATTR_CONTEXT_WINDOW = 'tokenwatch.context.window';
export const ATTR_CONTEXT_SOURCE = 'tokenwatch.context.source';
export const ATTR_BUDGET_REASON = 'tokenwatch.budget.reason';
export const ATTR_BUDGET_FROM_MODEL = 'tokenwatch.budget.from_model';
export const ATTR_BUDGET_TO_MODEL = 'tokenwatch.budget.to_model';
export const ATTR_BUDGET_MAX_OUTPUT_TOKENS = 'tokenwatch.budget.max_output_tokens';
export const ATTR_BUDGET_ESTIMATE_TOKENS = 'tokenwatch.budget.estimate_tokens';
export const ATTR_BUDGET_REMAINING_TOKENS = 'tokenwatch.budget.remaining_tokens';
export const ATTR_BUDGET_ESTIMATE_USD = 'tokenwatch.budget.estimate_usd';
export const ATTR_BUDGET_REMAINING_USD = 'tokenwatch.budget.remaining_usd';
