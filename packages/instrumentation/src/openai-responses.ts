/**
 * @module
 * OpenAI Responses API (`responses.create`, streamed or not). `input_tokens` includes the cached
 * tokens (`input_tokens_details.cached_tokens`); reasoning is part of `output_tokens`.
 */
import type { CallAdapter, CallOutcome, CallUsage, RequestChange } from './internal-types.ts';
import {
  collectText,
  isRecord,
  type JsonObject,
  readArray,
  readCount,
  readString,
} from './json.ts';
import { samplingAttributes } from './openai-chat.ts';
import { prefixHash } from './prefix-hash.ts';

function responsesUsage(usage: unknown): CallUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = readCount(usage.input_tokens);
  if (input === undefined) return undefined;
  const inputDetails = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    inputTokens: input,
    cacheReadTokens: readCount(inputDetails.cached_tokens),
    cacheWriteTokens: undefined,
    outputTokens: readCount(usage.output_tokens),
    reasoningTokens: readCount(outputDetails.reasoning_tokens),
  };
}

/**
 * The Responses API has no finish reason; this maps its status the way Chat Completions would
 * have said it: `stop`, `tool_calls`, or the reason a response is incomplete.
 */
function finishReasons(response: JsonObject, output: readonly unknown[]): string[] {
  const status = readString(response.status);
  if (status === 'incomplete') {
    const details = isRecord(response.incomplete_details) ? response.incomplete_details : {};
    return [readString(details.reason) ?? 'incomplete'];
  }
  if (status !== 'completed') return status ? [status] : [];
  const calls = output.some((item) => isRecord(item) && item.type === 'function_call');
  return [calls ? 'tool_calls' : 'stop'];
}

function outputText(output: readonly unknown[]): string {
  let text = '';
  for (const item of output) {
    if (!isRecord(item) || item.type !== 'message') continue;
    for (const part of readArray(item.content)) {
      if (isRecord(part) && part.type === 'output_text') text += readString(part.text) ?? '';
    }
  }
  return text;
}

function readResponse(data: unknown): CallOutcome {
  if (!isRecord(data)) return {};
  const output = readArray(data.output);
  return {
    responseModel: readString(data.model),
    responseId: readString(data.id),
    finishReasons: finishReasons(data, output),
    usage: responsesUsage(data.usage),
    outputText: outputText(output),
  };
}

/** Stream events that carry the finished response. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** `responses.create` of `openai`, 5.x and 6.x. */
export const responsesAdapter: CallAdapter = {
  operation: 'chat',

  describe(params) {
    const maxTokens = readCount(params.max_output_tokens);
    return {
      model: readString(params.model) ?? '',
      stream: params.stream === true,
      maxOutputTokens: maxTokens,
      attributes: samplingAttributes(params, maxTokens),
      prefixHash: prefixHash([params.instructions, params.tools]),
      promptText: () => collectText([params.instructions, params.input, params.tools]),
      content: () => ({ system: params.instructions, input: params.input }),
    };
  },

  rewrite(params, change: RequestChange): JsonObject {
    const copy: JsonObject = { ...params };
    if (change.model !== undefined) copy.model = change.model;
    if (change.maxOutputTokens !== undefined) copy.max_output_tokens = change.maxOutputTokens;
    return copy;
  },

  readResult: readResponse,

  newStream() {
    let outcome: CallOutcome = {};
    let text = '';
    return {
      add(event) {
        if (!isRecord(event)) return;
        const type = readString(event.type) ?? '';
        if (type === 'response.output_text.delta') text += readString(event.delta) ?? '';
        else if (type === 'response.created' && isRecord(event.response)) {
          outcome.responseModel = readString(event.response.model);
          outcome.responseId = readString(event.response.id);
        } else if (FINAL_EVENTS.has(type)) {
          outcome = readResponse(event.response);
        }
      },
      outcome: () => ({ ...outcome, outputText: outcome.outputText || text }),
    };
  },
};
