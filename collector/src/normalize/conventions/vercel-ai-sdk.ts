import type { Convention } from './types.ts';

const OPERATION_ID = 'ai.operationId';

/**
 * The Vercel AI SDK's `ai.*` telemetry (v4 to v6, and v7's LegacyOpenTelemetry; v7's `gen_ai`
 * tracer follows `otel-genai`). Each model request is an inner `ai.<op>.doGenerate` /
 * `.doStream` / `.doEmbed` span under an outer `ai.<op>` span that repeats (or, over several
 * steps, sums) the same `ai.usage.*`: only the inner spans are calls, the outer ones aggregates.
 * Input counts include cache; `noCacheTokens` gives the uncached part directly.
 */
export const vercelAiSdk: Convention = {
  name: 'vercel-ai-sdk',
  emitters: ['ai'],
  spanKinds: [
    {
      key: OPERATION_ID,
      // The SDK's default tracer is named `ai` and names its spans by operation id.
      spanNameInScope: 'ai',
      calls: /^ai\.[A-Za-z]+\.(doGenerate|doStream|doEmbed)$/,
      others: /^ai\./,
      operations: [[/\.doEmbed$/, 'embeddings']],
      // Its operation id is the most specific signal for its spans: gen_ai.* keys sit on the inner
      // spans only, but ai.usage.* repeats on the outer ones.
      first: true,
    },
  ],
  usage: {
    input: ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'],
    uncachedInput: ['ai.usage.inputTokenDetails.noCacheTokens'],
    output: ['ai.usage.outputTokens', 'ai.usage.completionTokens'],
    cacheRead: ['ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'],
    cacheWrite: ['ai.usage.inputTokenDetails.cacheWriteTokens'],
    reasoning: ['ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'],
    inputIncludesCache: true,
  },
  model: { request: ['ai.model.id'], response: ['ai.response.model'] },
  provider: {
    // `openai.chat`, `anthropic.messages`: the provider before the API.
    systemKeys: ['ai.model.provider'],
    aliases: {
      'azure-openai': 'azure.ai.openai',
      google: 'gcp.gemini',
      'google.vertex': 'gcp.vertex_ai',
      'google.generative-ai': 'gcp.gemini',
      bedrock: 'aws.bedrock',
      'amazon-bedrock': 'aws.bedrock',
      mistral: 'mistral_ai',
      xai: 'x_ai',
    },
  },
  finishReasons: ['ai.response.finishReason'],
  taskRoots: [
    {
      key: OPERATION_ID,
      values: ['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject'],
    },
  ],
  // Telemetry metadata by the keys apps use (removed in v7, where context goes elsewhere).
  attribution: {
    agent: ['ai.telemetry.metadata.agent'],
    userId: ['ai.telemetry.metadata.userId'],
    team: ['ai.telemetry.metadata.team'],
    feature: ['ai.telemetry.metadata.feature'],
    sessionId: ['ai.telemetry.metadata.sessionId'],
  },
  quirks: {
    // Its provider strings also fill gen_ai.system on its spans.
    providerApiSuffix: true,
  },
};
