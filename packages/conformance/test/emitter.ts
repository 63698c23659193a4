/**
 * @module
 * The shape of a row of the conformance table (scenarios.ts): an emitter, how it is set up, what
 * it is known to do, and its scenarios with what must be stored. The checks common to every row
 * are in emitters.conformance.test.ts.
 */
import type { AttributeValue } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import type { ScriptedReply, TokenUsage } from '@tokenwatch/fake-llm';
import type { AttributionRow, Backend, CallRow, ExportedSpan, Tracing } from './harness.ts';

/**
 * The convention record of the collector (collector/src/normalize/conventions/<name>.ts) whose
 * span kind rule decides the emitter's call spans.
 */
export type ConventionName =
  | 'tokenwatch'
  | 'otel-genai'
  | 'otel-genai-legacy'
  | 'openinference'
  | 'vercel-ai-sdk'
  | 'openllmetry'
  | 'langfuse';

/**
 * How the emitter reports the parts of a request's usage: apart (their own count), or inside
 * another count (the split is lost; Tokenwatch then bills them at that count's price).
 */
export type TokenSplit = {
  cacheRead: 'apart' | 'in-input';
  cacheWrite: 'apart' | 'in-input';
  /**
   * The 1-hour part of the cache writes (Anthropic): apart, or absent when the emitter reports
   * only the writes' total (then it is priced at the 5-minute rate).
   */
  cacheWrite1h?: 'apart';
  reasoning: 'apart' | 'in-output';
};

/** An emitter as set up for the scenarios: its client, its spans, its teardown. */
export type Instrumented<C> = {
  client: C;
  /** The tracer provider of in-process emitters (agent spans are started on it). */
  tracing?: Tracing;
  /** The spans exported since the previous call, in export order. */
  take(): Promise<ExportedSpan[]>;
  /** Undoes the setup, so that the next row starts from a clean process. */
  shutdown(): Promise<void>;
};

/** An exported span with only the fields a scenario checks. */
export type SentSpan = {
  name: string;
  scope?: string;
  status?: ExportedSpan['status'];
  /** These attributes with these values; `undefined` for an attribute that must be absent. */
  attributes?: Record<string, AttributeValue | undefined>;
  /** No attribute name matches this. */
  noAttributesMatching?: RegExp;
  /** The index, in the same list, of the span that is this one's parent. */
  parent?: number;
};

/** The model columns of a stored call. */
export type Model = Pick<CallRow, 'provider' | 'request_model' | 'response_model'>;

/** What the store must hold for a scenario's spans. */
export type Stored =
  /** One call with the usage of the reply, split as the emitter splits it (TokenSplit). */
  | { kind: 'billed'; span: string; model: Model; totalCost: string }
  /** One call whose span carried no usage: unknown, with no cost. */
  | { kind: 'missing'; span: string; model: Model }
  /** One failed call: no usage, which the provider did not bill either. */
  | { kind: 'failed'; span: string; model: Model; errorType: string }
  /** Nothing at all (the emitter exported no span). */
  | { kind: 'nothing' }
  /** These columns of the stored calls, in order, and what they cost together. */
  | {
      kind: 'columns';
      columns: readonly (keyof CallRow)[];
      rows: readonly (readonly unknown[])[];
      totalCost?: string;
      attribution?: readonly AttributionRow[];
    }
  /** Exactly these rows. */
  | { kind: 'rows'; rows: readonly CallRow[] };

export const billed = (span: string, model: Model, totalCost: string): Stored => ({
  kind: 'billed',
  span,
  model,
  totalCost,
});
export const missing = (span: string, model: Model): Stored => ({ kind: 'missing', span, model });
export const failed = (span: string, model: Model, errorType: string): Stored => ({
  kind: 'failed',
  span,
  model,
  errorType,
});
export const nothing: Stored = { kind: 'nothing' };

/** One scenario: the replies scripted, what the app does, what was sent, what is stored. */
export type Scenario<C> = {
  title: string;
  replies: readonly ScriptedReply[];
  /**
   * What the app does. A number it resolves to is the output the app saw in a stream, which must
   * be the output the provider sent.
   */
  act(emitter: Instrumented<C>): Promise<unknown>;
  /** The error the app gets (the replies script one). */
  rejects?: (abstract new (...args: never[]) => Error) | RegExp;
  /** The exported spans, in export order (or in any order). */
  sent?: readonly SentSpan[] | { anyOrder: readonly SentSpan[] };
  /** The provider paths requested, in order. */
  paths?: readonly string[];
  stored: Stored;
};

/** A test of its own, for behaviour only this emitter has. */
export type ExtraTest<C> = {
  title: string;
  run(emitter: Instrumented<C>, backend: Backend): Promise<void>;
};

/** A row of the table. */
export type Emitter<C> = {
  /** The test suite's name. */
  title: string;
  /** The instrumentation and SDK, with the versions observed. */
  packages: string;
  convention: ConventionName;
  split: TokenSplit;
  /**
   * The collector knows this emitter never reports cache tokens (by its scope name), so its calls
   * are stored flagged `cache_unreported`.
   */
  cacheUnreported?: true;
  /** What this emitter does that others do not, each tested by a scenario. */
  quirks: readonly string[];
  setup(backend: Backend): Instrumented<C> | Promise<Instrumented<C>>;
  scenarios: readonly Scenario<C>[];
  extraTests?: readonly ExtraTest<C>[];
};

/** A row, typed by its client, as the table lists it. */
export const defineEmitter = <C>(row: Emitter<C>): Emitter<unknown> =>
  row as unknown as Emitter<unknown>;

/** An in-process emitter: spans from its tracer provider, which teardown shuts down. */
export function inProcess<C>(
  tracing: Tracing,
  client: C,
  teardown: () => void = () => {},
): Instrumented<C> {
  return {
    client,
    tracing,
    take: () => tracing.take(),
    async shutdown() {
      teardown();
      await tracing.shutdown();
    },
  };
}

/**
 * Undoes a manual patch for an instrumentation that offers no way to (its patches are shimmer
 * wraps, which carry their own unwrap).
 */
export function unwrap(target: object, ...names: string[]): void {
  for (const name of names) {
    const wrapped: unknown = (target as Record<string, unknown>)[name];
    if (isWrapped(wrapped)) wrapped.__unwrap();
  }
}

/** The stored tokens of a billed reply, as an emitter with this split reports it. */
export function storedTokens(usage: TokenUsage = {}, split: TokenSplit) {
  const cacheRead = usage.cacheRead ?? 0;
  const cacheWrite = usage.cacheWrite ?? 0;
  const cacheWrite1h = split.cacheWrite === 'apart' && split.cacheWrite1h === 'apart';
  return {
    input_tokens:
      (usage.uncachedInput ?? 0) +
      (split.cacheRead === 'in-input' ? cacheRead : 0) +
      (split.cacheWrite === 'in-input' ? cacheWrite : 0),
    cache_read_tokens: split.cacheRead === 'apart' ? cacheRead : 0,
    cache_write_tokens: split.cacheWrite === 'apart' ? cacheWrite : 0,
    cache_write_1h_tokens: cacheWrite1h ? (usage.cacheWrite1h ?? 0) : 0,
    output_tokens: usage.output ?? 0,
    reasoning_tokens: split.reasoning === 'apart' ? (usage.reasoning ?? 0) : 0,
  };
}
