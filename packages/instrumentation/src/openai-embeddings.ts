/**
 * @module
 * OpenAI embeddings (`embeddings.create`): input tokens only, no output.
 */
import type { CallAdapter, CallOutcome, RequestChange } from './internal-types.ts';
import { collectText, isRecord, type JsonObject, readCount, readString } from './json.ts';

/** `embeddings.create` of `openai`, 5.x and 6.x. */
export const embeddingsAdapter: CallAdapter = {
  operation: 'embeddings',

  describe(params) {
    return {
      model: readString(params.model) ?? '',
      stream: false,
      maxOutputTokens: undefined,
      attributes: {},
      prefixHash: undefined,
      promptText: () => collectText([params.input]),
      content: () => ({ system: undefined, input: params.input }),
    };
  },

  rewrite(params, change: RequestChange): JsonObject {
    return change.model === undefined ? params : { ...params, model: change.model };
  },

  readResult(data): CallOutcome {
    if (!isRecord(data)) return {};
    const usage = isRecord(data.usage) ? data.usage : {};
    const input = readCount(usage.prompt_tokens);
    return {
      responseModel: readString(data.model),
      usage:
        input === undefined
          ? undefined
          : {
              inputTokens: input,
              cacheReadTokens: undefined,
              cacheWriteTokens: undefined,
              outputTokens: undefined,
              reasoningTokens: undefined,
            },
    };
  },

  newStream() {
    // Embeddings are never streamed; this only satisfies the adapter shape.
    return { add() {}, outcome: () => ({}) };
  },
};
