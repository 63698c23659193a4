/**
 * @module
 * Anthropic Messages (`messages.create`, streamed or not; `messages.stream` goes through it).
 * Anthropic's `input_tokens` excludes cache reads and writes, so the convention's inclusive input
 * is `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`. The writes to the
 * 1-hour cache (`cache_creation.ephemeral_1h_input_tokens`) are recorded apart: they cost more.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from './attributes.ts';
import type { CallAdapter, CallOutcome, CallUsage, RequestChange } from './internal-types.ts';
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

/** Raw Anthropic counts, as a message or a stream event reports them. */
type RawUsage = {
  input?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** Of cacheWrite, the writes to the 1-hour cache. */
  cacheWrite1h?: number;
  output?: number;
  thinking?: number;
};

function readRawUsage(usage: unknown): RawUsage {
  if (!isRecord(usage)) return {};
  const details = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const creation = isRecord(usage.cache_creation) ? usage.cache_creation : {};
  return {
    input: readCount(usage.input_tokens),
    cacheRead: readCount(usage.cache_read_input_tokens),
    cacheWrite: readCount(usage.cache_creation_input_tokens),
    cacheWrite1h: readCount(creation.ephemeral_1h_input_tokens),
    output: readCount(usage.output_tokens),
    thinking: readCount(details.thinking_tokens),
  };
}

function toCallUsage(raw: RawUsage): CallUsage | undefined {
  if (raw.input === undefined && raw.output === undefined) return undefined;
  return {
    inputTokens: (raw.input ?? 0) + (raw.cacheRead ?? 0) + (raw.cacheWrite ?? 0),
    cacheReadTokens: raw.cacheRead,
    cacheWriteTokens: raw.cacheWrite,
    cacheWrite1hTokens: raw.cacheWrite1h,
    outputTokens: raw.output,
    reasoningTokens: raw.thinking,
  };
}

function contentText(content: readonly unknown[]): string {
  let text = '';
  for (const block of content) {
    if (isRecord(block) && block.type === 'text') text += readString(block.text) ?? '';
  }
  return text;
}

function requestAttributes(params: JsonObject, maxTokens: number | undefined): Attributes {
  const attributes: Attributes = {};
  if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const temperature = readNumber(params.temperature);
  if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  const topP = readNumber(params.top_p);
  if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
  const topK = readCount(params.top_k);
  if (topK !== undefined) attributes['gen_ai.request.top_k'] = topK;
  return attributes;
}

/** `messages.create` of `@anthropic-ai/sdk`, 0.x and 1.x. */
export const anthropicMessagesAdapter: CallAdapter = {
  operation: 'chat',

  describe(params) {
    const maxTokens = readCount(params.max_tokens);
    return {
      model: readString(params.model) ?? '',
      stream: params.stream === true,
      maxOutputTokens: maxTokens,
      attributes: requestAttributes(params, maxTokens),
      // Anthropic caches tools, then system, then messages up to a breakpoint; the first two are
      // what an agent keeps constant across its calls.
      prefixHash: prefixHash([params.tools, params.system]),
      promptText: () => collectText([params.system, params.messages, params.tools]),
      content: () => ({ system: params.system, input: params.messages }),
    };
  },

  rewrite(params, change: RequestChange): JsonObject {
    const copy: JsonObject = { ...params };
    if (change.model !== undefined) copy.model = change.model;
    if (change.maxOutputTokens !== undefined) copy.max_tokens = change.maxOutputTokens;
    return copy;
  },

  readResult(data): CallOutcome {
    if (!isRecord(data)) return {};
    const stop = readString(data.stop_reason);
    return {
      responseModel: readString(data.model),
      responseId: readString(data.id),
      finishReasons: stop ? [stop] : [],
      usage: toCallUsage(readRawUsage(data.usage)),
      outputText: contentText(readArray(data.content)),
    };
  },

  newStream() {
    const outcome: CallOutcome = { finishReasons: [] };
    let raw: RawUsage = {};
    let text = '';
    return {
      add(event) {
        if (!isRecord(event)) return;
        if (event.type === 'message_start' && isRecord(event.message)) {
          outcome.responseModel = readString(event.message.model);
          outcome.responseId = readString(event.message.id);
          raw = readRawUsage(event.message.usage);
        } else if (event.type === 'content_block_delta' && isRecord(event.delta)) {
          if (event.delta.type === 'text_delta') text += readString(event.delta.text) ?? '';
        } else if (event.type === 'message_delta') {
          const stop = isRecord(event.delta) ? readString(event.delta.stop_reason) : undefined;
          if (stop) outcome.finishReasons = [stop];
          // message_delta has the final output count; where it repeats the input and cache counts
          // they are the same numbers again, so they replace (never add to) message_start's.
          const delta = readRawUsage(event.usage);
          raw = {
            input: delta.input ?? raw.input,
            cacheRead: delta.cacheRead ?? raw.cacheRead,
            cacheWrite: delta.cacheWrite ?? raw.cacheWrite,
            cacheWrite1h: delta.cacheWrite1h ?? raw.cacheWrite1h,
            output: delta.output ?? raw.output,
            thinking: delta.thinking ?? raw.thinking,
          };
        }
      },
      outcome: () => ({ ...outcome, usage: toCallUsage(raw), outputText: text }),
    };
  },
};
