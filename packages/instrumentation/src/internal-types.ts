/**
 * @module
 * Types shared between this package's files. Never exported from index.ts, directly or not.
 */
import type { Attributes, DiagLogger, Tracer } from '@opentelemetry/api';
import type { JsonObject } from './json.ts';

/** Provider names as `gen_ai.provider.name` spells them. */
export type ProviderName = 'openai' | 'azure.ai.openai' | 'anthropic';

/** Usage of one call per the conventions: input includes cache reads and writes, output reasoning. */
export type CallUsage = {
  inputTokens: number;
  /** Undefined when the provider does not report it (not the same as 0). */
  cacheReadTokens: number | undefined;
  cacheWriteTokens: number | undefined;
  /** The part of cacheWriteTokens written to a 1-hour cache (Anthropic); absent elsewhere. */
  cacheWrite1hTokens?: number | undefined;
  /** Undefined for embeddings, which have no output. */
  outputTokens: number | undefined;
  reasoningTokens: number | undefined;
};

/** What a response (or a whole stream) says about the call. */
export type CallOutcome = {
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  usage?: CallUsage;
  /** Generated text, for content capture and for estimating a stream's usage when it has none. */
  outputText?: string;
};

/** What the span and the guard need from a request. */
export type RequestInfo = {
  model: string;
  stream: boolean;
  /** The request's cap on output tokens, when it sets one. */
  maxOutputTokens: number | undefined;
  /** Request attributes known at span start (besides operation, provider and model). */
  attributes: Attributes;
  prefixHash: string | undefined;
  /** The text the model reads, for the pre-flight estimate (computed only when needed). */
  promptText(): string;
  /** System instructions and input messages, for content capture. */
  content(): { system: unknown; input: unknown };
};

/** Collects a streamed response, event by event. */
export type StreamAccumulator = {
  add(event: unknown): void;
  outcome(): CallOutcome;
};

/** A span event the guard asks to record on the call span. */
export type GuardNotice = { name: string; attributes: Attributes };

/** How the guard may change a request. */
export type RequestChange = { model?: string; maxOutputTokens?: number };

/** Everything provider-specific about one instrumented method. */
export type CallAdapter = {
  operation: 'chat' | 'embeddings';
  describe(params: JsonObject): RequestInfo;
  /** A copy of `params` with the guard's change applied. */
  rewrite(params: JsonObject, change: RequestChange): JsonObject;
  /** A copy of `params` adjusted by configuration, or `params` itself when nothing applies. */
  prepare?(params: JsonObject, config: ResolvedConfig): JsonObject;
  readResult(data: unknown): CallOutcome;
  newStream(): StreamAccumulator;
};

/** Instrumentation options with their defaults applied. */
export type ResolvedConfig = { captureContent: boolean; includeStreamUsage: boolean };

/** What a patched method needs from its instrumentation. */
export type RecorderDeps = {
  tracer(): Tracer;
  config(): ResolvedConfig;
  isEnabled(): boolean;
  diag: DiagLogger;
};

/** The parts of the SDKs' `APIPromise` used here (identical in openai 5/6 and anthropic 0.x/1.x). */
export type ApiPromiseLike = PromiseLike<unknown> & {
  asResponse(): Promise<unknown>;
  withResponse(): Promise<unknown>;
  _thenUnwrap(transform: (data: unknown, props: unknown) => unknown): ApiPromiseLike;
};

/** The parts of the SDKs' `Stream` used here: `tee()` and iteration both go through `iterator`. */
export type StreamLike = { iterator: (this: unknown) => AsyncIterator<unknown> };

/** Any function, as the SDK methods are patched without their types. */
export type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
