import type { Attributes } from '../../otlp/types.ts';
import type { Convention } from './types.ts';

const SPAN_KIND = 'openinference.span.kind';
const MODEL_NAME = 'llm.model_name';
const PROVIDER = 'llm.provider';
const SYSTEM = 'llm.system';
const EMBEDDING_MODEL_NAME = 'embedding.model_name';
const INVOCATION_PARAMETERS = 'llm.invocation_parameters';

/**
 * Invocation parameters longer than this are not parsed for a model: the request's parameters
 * (tools included) are a few KiB, and parsing is per call span on the ingest path.
 */
const MAX_INVOCATION_PARAMETERS_LENGTH = 64 * 1024;
/** Longer "models" are not model names; they would be stored as a dimension value. */
const MAX_MODEL_LENGTH = 256;

/**
 * The `model` of `llm.invocation_parameters`, the request body without its messages as a JSON
 * string: the only place OpenInference's OpenAI spans name the request model (`llm.model_name` is
 * the response model once the reply is in). Malformed, oversized or model-less parameters give
 * undefined, never an error: a span is not refused for an attribute Tokenwatch only borrows from.
 */
export function modelFromInvocationParameters(attrs: Attributes): string | undefined {
  const text = attrs[INVOCATION_PARAMETERS];
  // The substring test skips the parse for the spans that cannot have a model.
  if (
    typeof text !== 'string' ||
    text.length > MAX_INVOCATION_PARAMETERS_LENGTH ||
    !text.includes('"model"')
  ) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const model = (parsed as Record<string, unknown>).model;
  return typeof model === 'string' && model.length > 0 && model.length <= MAX_MODEL_LENGTH
    ? model
    : undefined;
}

/**
 * OpenInference (Arize): `openinference.span.kind` (`LLM` and `EMBEDDING` are calls, on INTERNAL
 * spans), `llm.token_count.*` with the prompt count inclusive of cache, `llm.model_name` (the
 * response model when known, else the request model; the request model is in the
 * `llm.invocation_parameters` JSON, a quirk), `embedding.model_name` on embeddings (the request's
 * model), `llm.provider` (who hosts the model) and `llm.system` (who makes it). Its `user.id` and `session.id` are the general OTel names, read
 * under `otel-genai`.
 *
 * Its Anthropic instrumentation wraps the Anthropic SDK's own span, so each request is reported
 * twice with full usage: the normalizer bills the innermost report (a call span with a call span
 * under it is a double report), a rule of the batch, not of this record. Its OpenAI streams carry
 * no usage, and `llm.provider` is set only for hosts it knows.
 */
export const openInference: Convention = {
  name: 'openinference',
  emitters: [
    '@arizeai/openinference-instrumentation-openai',
    '@arizeai/openinference-instrumentation-anthropic',
  ],
  spanKinds: [
    {
      key: SPAN_KIND,
      case: 'upper',
      calls: ['LLM', 'EMBEDDING'],
      // AGENT, CHAIN, TOOL, RETRIEVER...
      others: 'all',
      operations: [['EMBEDDING', 'embeddings']],
    },
  ],
  unmarkedCall: { model: [MODEL_NAME], provider: [PROVIDER, SYSTEM] },
  usage: {
    input: ['llm.token_count.prompt'],
    output: ['llm.token_count.completion'],
    cacheRead: ['llm.token_count.prompt_details.cache_read'],
    cacheWrite: ['llm.token_count.prompt_details.cache_write'],
    reasoning: ['llm.token_count.completion_details.reasoning'],
    inputIncludesCache: true,
  },
  model: {
    // `embedding.model_name` is the request body's model: the instrumentation never reads it back
    // from the reply.
    request: ['llm.request.model_name', EMBEDDING_MODEL_NAME],
    response: ['llm.response.model_name'],
    either: [MODEL_NAME],
  },
  provider: {
    keys: [PROVIDER],
    systemKeys: [SYSTEM],
    aliases: {
      azure: 'azure.ai.openai',
      google: 'gcp.gemini',
      vertexai: 'gcp.vertex_ai',
      aws: 'aws.bedrock',
      amazon: 'aws.bedrock',
      xai: 'x_ai',
      mistralai: 'mistral_ai',
      moonshot: 'moonshot_ai',
    },
  },
  reportedCostUsd: ['llm.cost.total'],
  taskRoots: [{ key: SPAN_KIND, case: 'upper', values: ['AGENT', 'CHAIN'] }],
  attribution: { agent: ['agent.name'] },
  quirks: {
    // Its OpenAI spans carry the request model only inside the invocation parameters.
    requestModel: modelFromInvocationParameters,
  },
};
