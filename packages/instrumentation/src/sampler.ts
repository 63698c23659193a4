/**
 * @module
 * Sampling: LLM calls and tasks are what Tokenwatch bills and reports, so they are recorded
 * whatever the application samples for everything else.
 */
import {
  type Attributes,
  type Context,
  type DiagLogger,
  diag as globalDiag,
  type Link,
  type SpanKind,
  trace,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_TOKENWATCH_TASK_ID } from '@tokenwatch/schema/semconv';

/** Operations that are one billable model request each (the collector's list). */
const CALL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

/**
 * Whether the attributes a span starts with mark an LLM call or a task: a call operation in
 * `gen_ai.operation.name` (which the GenAI conventions ask instrumentations to set at span start,
 * for samplers) or a `tokenwatch.task.id` (set at start by `withTask` on the task span only; the
 * span processor copies it onto other spans after sampling).
 */
export function isAlwaysSampled(attributes: Attributes): boolean {
  const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
  return (
    (typeof operation === 'string' && CALL_OPERATIONS.has(operation)) ||
    attributes[ATTR_TOKENWATCH_TASK_ID] !== undefined
  );
}

/** See {@link tokenwatchSampler}. */
export class TokenwatchSampler implements Sampler {
  readonly #delegate: Sampler;

  constructor(delegate: Sampler) {
    this.#delegate = delegate;
  }

  shouldSample(
    ctx: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (isAlwaysSampled(attributes)) {
      // Keep the parent's trace state, as the built-in samplers do.
      return {
        decision: SamplingDecision.RECORD_AND_SAMPLED,
        traceState: trace.getSpanContext(ctx)?.traceState,
      };
    }
    return this.#delegate.shouldSample(ctx, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `TokenwatchSampler{${this.#delegate.toString()}}`;
  }
}

/**
 * Wraps the application's sampler so LLM-call spans and task spans are always recorded and
 * exported, while every other span follows `sampler`. A call sampled this way under an unsampled
 * parent is recorded without that parent; its own children follow it (with a parent-based
 * sampler) and are recorded too.
 *
 * @example
 * ```ts
 * const sampler = tokenwatchSampler(new TraceIdRatioBasedSampler(0.05));
 * ```
 */
export function tokenwatchSampler(sampler: Sampler): Sampler {
  return new TokenwatchSampler(sampler);
}

/**
 * The sampler that `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` name, as the SDK reads them
 * (the SDK's own reader is not exported): parent-based always-on when unset or unknown.
 */
export function samplerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  diag: DiagLogger = globalDiag,
): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  const ratio = (): number => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
    const value = raw ? Number(raw) : 1;
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    diag.warn(`OTEL_TRACES_SAMPLER_ARG=${raw} is not a ratio between 0 and 1; using 1`);
    return 1;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.warn(`OTEL_TRACES_SAMPLER=${name} is not supported here; using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
