/**
 * @module
 * The attribution span processor: copies the attribution of the context a span starts in onto the
 * span, so spans of any library (the Vercel AI SDK's, HTTP clients', ours) are attributed.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { activeAttribution } from './attribution.ts';

/** See {@link tokenwatchSpanProcessor}. */
export class TokenwatchSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const active = activeAttribution(parentContext);
    if (!active) return;
    for (const [key, value] of Object.entries(active.spanAttributes)) {
      // What the library itself set wins: a framework that names its sub-agents knows better
      // than an attribution given around the whole run.
      if (value !== undefined && span.attributes[key] === undefined) span.setAttribute(key, value);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The span processor that attributes every span started inside `withTask`/`withAttributes`. Put it
 * before the exporting processor when you build your own SDK.
 *
 * @example
 * ```ts
 * new NodeSDK({
 *   sampler: tokenwatchSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) })),
 *   spanProcessors: [tokenwatchSpanProcessor(), new BatchSpanProcessor(new OTLPTraceExporter())],
 *   instrumentations: [...tokenwatchInstrumentations(), ...yours],
 * }).start();
 * ```
 */
export function tokenwatchSpanProcessor(): SpanProcessor {
  return new TokenwatchSpanProcessor();
}
