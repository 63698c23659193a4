import {
  ATTR_DEPLOYMENT_ENVIRONMENT,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
} from '@tokenwatch/schema/semconv';
import type { Convention } from './types.ts';

/**
 * `gen_ai.*` names that are deprecated, renamed or were never standard, still widely emitted:
 * `gen_ai.system` (before 1.37) and its old values, the pre-1.27 prompt/completion token names,
 * the 1.40 `cache_creation` name (now `cache_write`), and the underscore cache and reasoning names
 * OpenLLMetry used before OTel defined them. Read after the current names.
 *
 * Emitters: hand-built and older instrumentations (spans like `openai.chat` with no operation),
 * the OTel contrib OpenAI instrumentation (`gen_ai.system` on chat and embeddings), OpenLLMetry
 * up to 0.22, the AI SDK up to v6 (`gen_ai.system` = `openai.chat`…), AI SDK v7's `gen_ai` tracer
 * and OpenLLMetry 0.27 (`cache_creation`).
 */
export const otelGenAiLegacy: Convention = {
  name: 'otel-genai-legacy',
  emitters: [
    '@opentelemetry/instrumentation-openai',
    '@traceloop/instrumentation-anthropic',
    '@traceloop/instrumentation-openai',
    'ai',
    'gen_ai',
  ],
  // No kind attribute before 1.27's operation name: a model plus gen_ai.system or usage is a call.
  unmarkedCall: { model: [], provider: [ATTR_GEN_AI_SYSTEM] },
  usage: {
    input: [ATTR_GEN_AI_USAGE_PROMPT_TOKENS],
    output: [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS],
    cacheRead: ['gen_ai.usage.cache_read_input_tokens'],
    cacheWrite: [
      ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
      'gen_ai.usage.cache_creation_input_tokens',
    ],
    reasoning: ['gen_ai.usage.reasoning_tokens'],
    inputIncludesCache: true,
  },
  provider: {
    systemKeys: [ATTR_GEN_AI_SYSTEM],
    // Spellings of gen_ai.system that the provider enum renamed.
    aliases: {
      'az.ai.openai': 'azure.ai.openai',
      'az.ai.inference': 'azure.ai.inference',
      vertex_ai: 'gcp.vertex_ai',
      gemini: 'gcp.gemini',
      xai: 'x_ai',
    },
  },
  // Not OTel: LiteLLM and OpenLIT report their own price here.
  reportedCostUsd: ['gen_ai.usage.cost'],
  attribution: { environment: [ATTR_DEPLOYMENT_ENVIRONMENT] },
  quirks: {
    /**
     * The pre-1.27 prompt count is each provider's raw number, and Anthropic's excludes cache: so
     * an Anthropic span that reports input under that name alone reports it exclusive.
     */
    inputExcludesCache: (attrs) =>
      attrs[ATTR_GEN_AI_USAGE_PROMPT_TOKENS] !== undefined &&
      attrs[ATTR_GEN_AI_USAGE_INPUT_TOKENS] === undefined &&
      /anthropic/i.test(
        String(attrs[ATTR_GEN_AI_SYSTEM] ?? attrs[ATTR_GEN_AI_PROVIDER_NAME] ?? ''),
      ),
  },
};
