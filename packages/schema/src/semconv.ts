/**
 * Attribute names Tokenwatch reads and writes. Tokenwatch's own live under `tokenwatch.*`; where a
 * standard name exists (agent, user, session) the standard one is written and ours is an override.
 * Free of dependencies: the instrumentation package imports it.
 */

/** Task id shared by every span of a task; the trace id stands in when absent. */
export const ATTR_TOKENWATCH_TASK_ID = 'tokenwatch.task.id';
/** Human name of the task (low cardinality: the kind of work, not an instance). */
export const ATTR_TOKENWATCH_TASK_NAME = 'tokenwatch.task.name';
/** Set on the one span that represents the task: success, failure, partial or abandoned. */
export const ATTR_TOKENWATCH_TASK_OUTCOME = 'tokenwatch.task.outcome';
export const ATTR_TOKENWATCH_TEAM = 'tokenwatch.team';
export const ATTR_TOKENWATCH_FEATURE = 'tokenwatch.feature';
/** The project a cost belongs to; the resource's `service.namespace` stands in when absent. */
export const ATTR_TOKENWATCH_PROJECT = 'tokenwatch.project';
/** Hash of the cacheable prompt prefix (system prompt and tool definitions), never their content. */
export const ATTR_TOKENWATCH_PREFIX_HASH = 'tokenwatch.prefix_hash';
/**
 * Hash of the whole request body sent to the provider (model, messages or input, tools,
 * parameters), never its content: the same hash in one task is the same request sent again.
 */
export const ATTR_TOKENWATCH_REQUEST_HASH = 'tokenwatch.request_hash';
/** Overrides of the standard names below. */
export const ATTR_TOKENWATCH_AGENT = 'tokenwatch.agent';
export const ATTR_TOKENWATCH_USER = 'tokenwatch.user';
export const ATTR_TOKENWATCH_SESSION = 'tokenwatch.session';

export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_USER_ID = 'user.id';
export const ATTR_ENDUSER_ID = 'enduser.id';
export const ATTR_SESSION_ID = 'session.id';

export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** Deprecated since semconv 1.37 in favour of gen_ai.provider.name; still widely emitted. */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Includes cached input tokens, per the convention. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
/** The newer name of cache creation (semantic-conventions-genai #440). */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS =
  'gen_ai.usage.cache_creation.input_tokens';
/**
 * The part of the cache writes that went to Anthropic's 1-hour cache (`usage.cache_creation`),
 * priced above 5-minute writes. The name the Anthropic SDK's own spans use; Tokenwatch's
 * instrumentation writes it too, beside the total in `gen_ai.usage.cache_write.input_tokens`.
 */
export const ATTR_ANTHROPIC_USAGE_CACHE_WRITE_1H_INPUT_TOKENS =
  'anthropic.usage.cache_creation.ephemeral_1h_input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** Deprecated since semconv 1.27 (now gen_ai.usage.input_tokens): the provider's raw prompt count. */
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens';
/** Deprecated since semconv 1.27 in favour of gen_ai.usage.output_tokens. */
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
/** Name of the span event that records an exception, and its attributes. */
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_SERVICE_NAME = 'service.name';
/** OTel resource attribute grouping services; the project when nothing sets `tokenwatch.project`. */
export const ATTR_SERVICE_NAMESPACE = 'service.namespace';
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
/** Deprecated spelling of deployment.environment.name. */
export const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';
