/**
 * Public types of the fake LLM server: what a test scripts and what it can inspect afterwards.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BilledCall } from './usage-ledger.ts';

/**
 * Token counts of one call, in the provider-neutral terms of the emitter legend
 * (U uncached input, C cache read, W cache write, O output including reasoning, R reasoning).
 * Each endpoint renders them with its provider's raw fields:
 *
 * | field | OpenAI Chat Completions | OpenAI Responses | Anthropic Messages |
 * | --- | --- | --- | --- |
 * | U + C + W | `prompt_tokens` | `input_tokens` | (no single field) |
 * | U | | | `input_tokens` |
 * | C | `prompt_tokens_details.cached_tokens` | `input_tokens_details.cached_tokens` | `cache_read_input_tokens` |
 * | W | (folded into `prompt_tokens`) | (folded into `input_tokens`) | `cache_creation_input_tokens` |
 * | O | `completion_tokens` | `output_tokens` | `output_tokens` |
 * | R | `completion_tokens_details.reasoning_tokens` | `output_tokens_details.reasoning_tokens` | `output_tokens_details.thinking_tokens` |
 *
 * OpenAI has no cache writes: tokens scripted as W are billed there as ordinary prompt tokens.
 * Embeddings and count_tokens report U + C + W as their only input number.
 */
export type TokenUsage = {
  /** U: input tokens neither read from nor written to the prompt cache. @default ~chars/4 of the request text */
  uncachedInput?: number;
  /** C: input tokens read from the prompt cache. @default 0 */
  cacheRead?: number;
  /** W: input tokens written to the prompt cache. @default 0 */
  cacheWrite?: number;
  /** The part of W written with the 1-hour TTL; the rest of W is the 5-minute TTL. @default 0 */
  cacheWrite1h?: number;
  /**
   * O: output tokens, reasoning included (what the provider bills as output).
   * @default ~chars/4 of the reply (text, tool names and arguments) plus `reasoning`
   */
  output?: number;
  /** R: reasoning tokens, a part of O. @default 0 */
  reasoning?: number;
};

/** A tool call the fake model makes. */
export type ScriptedToolCall = {
  /** Function (tool) name. */
  name: string;
  /** Arguments object, sent JSON-encoded (OpenAI) or as `input` (Anthropic). @default {} */
  arguments?: Record<string, unknown>;
  /** Call id; generated in the provider's format (`call_…`, `toolu_…`) when absent. */
  id?: string;
};

/** An HTTP error the fake answers with instead of a completion. */
export type ScriptedError = {
  /** HTTP status, 400 to 599. */
  status: number;
  /** Error message. @default a generic message for the status */
  message?: string;
  /**
   * Provider error type: OpenAI `error.type` (e.g. `server_error`) or Anthropic `error.type`
   * (e.g. `overloaded_error`). @default the provider's usual type for the status
   */
  type?: string;
  /** OpenAI `error.code` (ignored for Anthropic). @default the usual code for the status, or null */
  code?: string | null;
  /** `retry-after` header in seconds. @default 1 on 429, absent otherwise */
  retryAfter?: number;
};

/**
 * One programmed response. Every field is optional: whatever is left out is derived from the
 * request (model echoed, usage estimated), so `{}` is a valid, ordinary reply.
 */
export type ScriptedReply = {
  /**
   * Only a request to exactly this path (e.g. `/v1/messages`) consumes the reply. Without it, the
   * reply goes to the next billed call (chat, responses, embeddings, messages), never to
   * `GET /v1/models` or count_tokens.
   */
  path?: string;
  /** Response model, e.g. a dated snapshot of the requested alias. @default the requested model */
  model?: string;
  /** Assistant text. @default a fixed sentence, or no text when `toolCalls` are given */
  text?: string;
  /** Tool calls, after the text. @default none */
  toolCalls?: ScriptedToolCall[];
  /**
   * The provider's own finish value, sent verbatim: OpenAI `finish_reason` (`stop`, `length`, …),
   * Anthropic `stop_reason` (`end_turn`, `max_tokens`, …). For the Responses API, `length` or
   * `max_tokens` make the response `incomplete`.
   * @default `stop`/`end_turn`, or `tool_calls`/`tool_use` when there are tool calls
   */
  finishReason?: string;
  /** Token counts; missing fields take their defaults. */
  usage?: TokenUsage;
  /** Answer with this HTTP error (provider-shaped body) instead of a completion. */
  error?: ScriptedError;
  /** Delay before the response starts, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Delay between streamed events, in milliseconds. @default 0 */
  chunkDelayMs?: number;
  /** Extra response headers, e.g. `{ 'retry-after-ms': '10' }`. */
  headers?: Record<string, string>;
};

/** A request the fake received, recorded before it is answered. */
export type RecordedRequest = {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Raw request target, query string included. */
  url: string;
  /** Parsed JSON object body; undefined for an empty, non-JSON or non-object body. */
  body: Record<string, unknown> | undefined;
  /** Request headers, names in lower case. */
  headers: IncomingHttpHeaders;
  /** When the request was received, epoch milliseconds. */
  time: number;
};

/**
 * A model's prices in USD per million tokens, as plain decimal strings, for the fake's cost
 * exports. A missing cache price falls back to `input`.
 */
export type ModelPrice = {
  input: string;
  cachedInput?: string;
  cacheWrite5m?: string;
  cacheWrite1h?: string;
  output: string;
};

/** Options of {@link startFakeLlm}. */
export type FakeLlmOptions = {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on. @default 0 (a free port) */
  port?: number;
  /** Reply used when no scripted reply applies (its `path` is ignored). @default {} */
  defaultReply?: ScriptedReply;
  /** Keep every request in `requests`; turn off for long benchmarks to bound memory. @default true */
  recordRequests?: boolean;
  /**
   * Billed calls kept for the usage and cost exports; the oldest are forgotten beyond it.
   * @default 100000
   */
  usageCapacity?: number;
  /** Prices by response model for the cost exports; an unpriced model costs nothing. @default {} */
  prices?: Readonly<Record<string, ModelPrice>>;
  /**
   * The clock that stamps answered calls and ends an export without an end time, epoch ms; a
   * test sets it to place calls on either side of a UTC midnight. @default Date.now
   */
  now?: () => number;
  /** The key the admin (usage and cost) endpoints require; any non-empty key when unset. */
  adminKey?: string;
};

/** A running fake server. */
export type FakeLlm = {
  /** Base URL, e.g. `http://127.0.0.1:41234` (on 127.0.0.1 when listening on every address). */
  readonly url: string;
  readonly port: number;
  /** `baseURL` for the `openai` client: `${url}/v1`. */
  readonly openaiBaseUrl: string;
  /** `baseURL` for the `@anthropic-ai/sdk` client: `${url}`. */
  readonly anthropicBaseUrl: string;
  /** Received requests, oldest first (cleared by `reset()`). */
  readonly requests: readonly RecordedRequest[];
  /** Billed calls answered, oldest first, as the usage exports count them (cleared by `reset()`). */
  readonly billedCalls: readonly BilledCall[];
  /** Number of scripted replies not consumed yet. */
  readonly pendingReplies: number;
  /** Appends replies to the queue. Throws a TypeError on an impossible reply. */
  enqueue(...replies: ScriptedReply[]): void;
  /** Replaces the queue with these replies. Throws a TypeError on an impossible reply. */
  script(...replies: ScriptedReply[]): void;
  /** Forgets recorded requests and pending replies. */
  reset(): void;
  /** Stops listening, drops open connections and cuts pending delays short. */
  close(): Promise<void>;
};
