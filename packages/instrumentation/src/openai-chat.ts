/**
 * @module
 * OpenAI Chat Completions (`chat.completions.create`, streamed or not) read for spans and the guard.
 * Usage: `prompt_tokens` already includes the cached tokens (`prompt_tokens_details.cached_tokens`),
 * which is the convention's inclusive input; OpenAI reports no cache writes.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from './attributes.ts';
import type {
  CallAdapter,
  CallOutcome,
  CallUsage,
  RequestChange,
  ResolvedConfig,
} from './internal-types.ts';
import {
  collectText,
  isRecord,
  type JsonObject,
  readArray,
  readCount,
  readNumber,
  readString,
} from './json.ts';
import { prefixHash } from './prefix-hash.ts';

/** The OpenAI usage object of Chat Completions (also embeddings: no completion fields). */
export function openaiChatUsage(usage: unknown): CallUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = readCount(usage.prompt_tokens);
  if (input === undefined) return undefined;
  const promptDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completionDetails = isRecord(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {};
  return {
    inputTokens: input,
    cacheReadTokens: readCount(promptDetails.cached_tokens),
    cacheWriteTokens: undefined,
    outputTokens: readCount(usage.completion_tokens),
    reasoningTokens: readCount(completionDetails.reasoning_tokens),
  };
}

/** Sampling attributes shared by the OpenAI APIs. */
export function samplingAttributes(params: JsonObject, maxTokens: number | undefined): Attributes {
  const attributes: Attributes = {};
  if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const temperature = readNumber(params.temperature);
  if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  const topP = readNumber(params.top_p);
  if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
  return attributes;
}

/** The system and developer messages the conversation starts with: the cacheable prefix. */
function leadingInstructions(messages: readonly unknown[]): unknown[] {
  const leading: unknown[] = [];
  for (const message of messages) {
    const role = isRecord(message) ? message.role : undefined;
    if (role !== 'system' && role !== 'developer') break;
    leading.push(message);
  }
  return leading;
}

function maxTokensOf(params: JsonObject): number | undefined {
  return readCount(params.max_completion_tokens) ?? readCount(params.max_tokens);
}

function readChoices(choices: readonly unknown[]): { finish: string[]; text: string } {
  const finish: string[] = [];
  let text = '';
  for (const choice of choices) {
    if (!isRecord(choice)) continue;
    const reason = readString(choice.finish_reason);
    if (reason) finish.push(reason);
    if (isRecord(choice.message)) text += readString(choice.message.content) ?? '';
  }
  return { finish, text };
}

/** `chat.completions.create` of `openai`, 5.x and 6.x. */
export const chatCompletionsAdapter: CallAdapter = {
  operation: 'chat',

  describe(params) {
    const messages = readArray(params.messages);
    const maxTokens = maxTokensOf(params);
    return {
      model: readString(params.model) ?? '',
      stream: params.stream === true,
      maxOutputTokens: maxTokens,
      attributes: samplingAttributes(params, maxTokens),
      prefixHash: prefixHash([leadingInstructions(messages), params.tools]),
      promptText: () => collectText([params.messages, params.tools]),
      content: () => ({ system: undefined, input: params.messages }),
    };
  },

  rewrite(params, change: RequestChange): JsonObject {
    const copy: JsonObject = { ...params };
    if (change.model !== undefined) copy.model = change.model;
    if (change.maxOutputTokens !== undefined) {
      // Cap the field the application uses; max_completion_tokens is the current one.
      if (copy.max_tokens !== undefined && copy.max_completion_tokens === undefined) {
        copy.max_tokens = change.maxOutputTokens;
      } else {
        copy.max_completion_tokens = change.maxOutputTokens;
      }
    }
    return copy;
  },

  prepare(params, config: ResolvedConfig): JsonObject {
    if (!config.includeStreamUsage || params.stream !== true) return params;
    const options = isRecord(params.stream_options) ? params.stream_options : {};
    if (options.include_usage !== undefined) return params;
    return { ...params, stream_options: { ...options, include_usage: true } };
  },

  readResult(data): CallOutcome {
    if (!isRecord(data)) return {};
    const { finish, text } = readChoices(readArray(data.choices));
    return {
      responseModel: readString(data.model),
      responseId: readString(data.id),
      finishReasons: finish,
      usage: openaiChatUsage(data.usage),
      outputText: text,
    };
  },

  newStream() {
    const outcome: CallOutcome = { finishReasons: [], outputText: '' };
    return {
      add(chunk) {
        if (!isRecord(chunk)) return;
        outcome.responseModel ??= readString(chunk.model);
        outcome.responseId ??= readString(chunk.id);
        for (const choice of readArray(chunk.choices)) {
          if (!isRecord(choice)) continue;
          const reason = readString(choice.finish_reason);
          if (reason) outcome.finishReasons?.push(reason);
          if (isRecord(choice.delta)) outcome.outputText += readString(choice.delta.content) ?? '';
        }
        // Only the last chunk has usage, and only with stream_options.include_usage.
        const usage = openaiChatUsage(chunk.usage);
        if (usage) outcome.usage = usage;
      },
      outcome: () => outcome,
    };
  },
};
