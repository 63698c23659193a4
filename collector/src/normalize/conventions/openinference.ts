import type { Convention } from './types.ts';

const SPAN_KIND = 'openinference.span.kind';
const MODEL_NAME = 'llm.model_name';
const PROVIDER = 'llm.provider';
const SYSTEM = 'llm.system';

/**
 * OpenInference (Arize): `openinference.span.kind` (`LLM` and `EMBEDDING` are calls, on INTERNAL
 * spans), `llm.token_count.*` with the prompt count inclusive of cache, `llm.model_name` (the
 * response model when known, else the request model), `llm.provider` (who hosts the model) and
 * `llm.system` (who makes it). Its `user.id` and `session.id` are the general OTel names, read
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
    request: ['llm.request.model_name'],
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
};
