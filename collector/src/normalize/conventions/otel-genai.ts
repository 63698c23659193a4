import {
  ATTR_ANTHROPIC_USAGE_CACHE_WRITE_1H_INPUT_TOKENS,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ENDUSER_ID,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '@tokenwatch/schema/semconv';
import type { Convention } from './types.ts';

/**
 * `gen_ai.operation.name` values that are one inference request each: the OTel ones, plus
 * `completion` and `generate`, which some emitters use for the same.
 */
const CALL_OPERATIONS = [
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'completion',
  'generate',
];

/**
 * The OpenTelemetry GenAI semantic conventions as they stand (semantic-conventions-genai), with
 * the general OTel names that go with them (user, session, deployment, service, errors). Input
 * tokens include cache reads and writes. Names that were renamed or never standard are in
 * `otel-genai-legacy`.
 *
 * Emitters that follow it with no record of their own: the Anthropic SDK's own spans (no quirk;
 * of its extra `anthropic.usage.cache_creation.ephemeral_*` keys the 1-hour one is read, the part
 * of the cache write priced apart), the AI SDK v7 `gen_ai` tracer (usage repeated on its
 * `invoke_agent` root, an aggregate here), OpenLLMetry's instrumentations (with the quirk in
 * `openllmetry`) and the OTel contrib OpenAI instrumentation (which loses the cache split: all
 * input counts as uncached, and its calls are flagged as not reporting cache).
 */
export const otelGenAi: Convention = {
  name: 'otel-genai',
  emitters: [
    'com.anthropic.sdk.typescript',
    'gen_ai',
    '@opentelemetry/instrumentation-openai',
    '@traceloop/instrumentation-openai',
    '@traceloop/instrumentation-anthropic',
    '@tokenwatch/instrumentation',
  ],
  // Its chat spans carry `gen_ai.usage.input_tokens` with cached tokens inside and no cache count
  // (emitters-observed.md): a cache hit is billed as uncached input, so say the split is unknown.
  cacheUnreportedScopes: ['@opentelemetry/instrumentation-openai'],
  spanKinds: [
    {
      key: ATTR_GEN_AI_OPERATION_NAME,
      case: 'lower',
      calls: CALL_OPERATIONS,
      // invoke_agent, execute_tool, the AI SDK's agent_step...: an aggregate when they carry usage.
      others: 'all',
      operations: CALL_OPERATIONS.map((operation) => [operation, operation] as const),
    },
  ],
  unmarkedCall: {
    model: [ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_RESPONSE_MODEL],
    provider: [ATTR_GEN_AI_PROVIDER_NAME],
  },
  usage: {
    input: [ATTR_GEN_AI_USAGE_INPUT_TOKENS],
    output: [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS],
    cacheRead: [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS],
    cacheWrite: [ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS],
    // Not an OTel name: the Anthropic SDK's own spans (and Tokenwatch's instrumentation) carry the
    // 1-hour part of the cache writes next to the OTel total.
    cacheWrite1h: [ATTR_ANTHROPIC_USAGE_CACHE_WRITE_1H_INPUT_TOKENS],
    reasoning: [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS],
    inputIncludesCache: true,
  },
  model: { request: [ATTR_GEN_AI_REQUEST_MODEL], response: [ATTR_GEN_AI_RESPONSE_MODEL] },
  provider: {
    keys: [ATTR_GEN_AI_PROVIDER_NAME],
    // Listed so that other conventions' spellings (`openai.chat`, `Anthropic`) map to them.
    aliases: { openai: 'openai', anthropic: 'anthropic' },
  },
  finishReasons: [ATTR_GEN_AI_RESPONSE_FINISH_REASONS],
  errorType: [ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE],
  taskRoots: [{ key: ATTR_GEN_AI_OPERATION_NAME, values: ['invoke_agent', 'invoke_workflow'] }],
  taskName: [ATTR_GEN_AI_AGENT_NAME],
  attribution: {
    agent: [ATTR_GEN_AI_AGENT_NAME],
    // user.id and session.id are also OpenInference's names.
    userId: [ATTR_USER_ID, ATTR_ENDUSER_ID],
    sessionId: [ATTR_SESSION_ID, ATTR_GEN_AI_CONVERSATION_ID],
    environment: [ATTR_DEPLOYMENT_ENVIRONMENT_NAME],
    service: [ATTR_SERVICE_NAME],
  },
  // The namespace groups services (OTel resource semconv): the project when nothing names one.
  attributionFallback: { project: [ATTR_SERVICE_NAMESPACE] },
};
