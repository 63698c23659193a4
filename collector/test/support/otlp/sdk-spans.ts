/**
 * @module
 * Spans recorded by the official OTel JS SDK, for decoder tests and the benchmark: realistic
 * GenAI client spans (gen_ai.* attributes, message events, agent parents) with deterministic
 * ids and times, plus the expected decoded form computed from the SDK objects directly, so the
 * oracle never goes through the code under test.
 */

import type { Attributes as ApiAttributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Attributes, AttributeValue, DecodedSpan } from '../../../src/otlp/types.ts';
import { SPAN_KINDS, STATUS_CODES } from '../../../src/otlp/types.ts';
import type { Prng } from './prng.ts';
import { createPrng } from './prng.ts';

/** Resource attributes every fixture span carries. */
export const FIXTURE_RESOURCE: Readonly<Record<string, string | number>> = {
  'service.name': 'support-agent',
  'service.version': '2.4.1',
  'deployment.environment.name': 'production',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.12.1',
  'process.pid': 4242,
};

/** The instrumentation scope every fixture span is recorded under. */
export const FIXTURE_SCOPE = { name: '@opentelemetry/instrumentation-openai', version: '0.19.0' };

function seededIds(prng: Prng): IdGenerator {
  const hex = (bytes: number): string => Buffer.from(prng.bytes(bytes)).toString('hex');
  return { generateTraceId: () => hex(16), generateSpanId: () => hex(8) };
}

/** Nanoseconds since the epoch as the SDK's [seconds, nanoseconds] pair. */
export function hrTime(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

const MODELS = ['gpt-4o-mini-2024-07-18', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'o3-mini'];
const PROMPTS = [
  'Summarise the customer ticket below and propose the next action for the support team.',
  'Classify the sentiment of each message and return a JSON array of labels.',
  'Draft a polite reply explaining the refund policy, citing the relevant section.',
];

function messagesJson(prng: Prng, turns: number): string {
  const messages = [{ role: 'system', content: 'You are a careful support assistant.' }];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: `${prng.pick(PROMPTS)} Ticket #${prng.int(99999)}.` });
  }
  return JSON.stringify(messages);
}

/** The tracer API as the SDK hands it out. */
export type SdkTracer = ReturnType<BasicTracerProvider['getTracer']>;

/**
 * Runs `record` against an SDK tracer with seeded ids and returns the spans it ended.
 *
 * @param seed seeds the trace and span ids
 * @param record starts and ends spans
 * @param resource resource attributes for the provider
 */
export function recordSpans(
  seed: number,
  record: (tracer: SdkTracer, prng: Prng) => void,
  resource: Readonly<Record<string, string | number>> = FIXTURE_RESOURCE,
): ReadableSpan[] {
  const prng = createPrng(seed);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    idGenerator: seededIds(prng),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  record(provider.getTracer(FIXTURE_SCOPE.name, FIXTURE_SCOPE.version), prng);
  return exporter.getFinishedSpans();
}

/**
 * Records `count` GenAI spans through the SDK: every eighth span is an `invoke_agent` parent
 * and the others are `chat` client spans under it, each with ~1-2 KB of attributes and events.
 *
 * @param count how many spans to record
 * @param seed seeds ids, models, token counts and times
 * @returns the finished spans, in the order they ended
 */
export function recordGenAiSpans(count: number, seed: number): ReadableSpan[] {
  return recordSpans(seed, (tracer, prng) => recordGenAi(tracer, prng, count));
}

function recordGenAi(tracer: SdkTracer, prng: Prng, count: number): void {
  let clock = 1_760_000_000_123_456_789n;
  let parentContext = ROOT_CONTEXT;
  let parentSpan: ReturnType<typeof tracer.startSpan> | undefined;
  for (let i = 0; i < count; i++) {
    clock += BigInt(prng.int(50_000_000));
    if (i % 8 === 0) {
      parentSpan?.end(hrTime(clock));
      parentSpan = tracer.startSpan(
        'invoke_agent support-agent',
        {
          kind: SpanKind.INTERNAL,
          startTime: hrTime(clock),
          attributes: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': 'support-agent',
            'gen_ai.agent.id': `agent_${prng.int(1_000_000)}`,
            'gen_ai.conversation.id': `conv_${prng.int(1_000_000_000)}`,
          },
        },
        ROOT_CONTEXT,
      );
      parentContext = trace.setSpan(ROOT_CONTEXT, parentSpan);
      continue;
    }
    const model = prng.pick(MODELS);
    const input = 200 + prng.int(4000);
    const output = 20 + prng.int(800);
    const span = tracer.startSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        startTime: hrTime(clock),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': model,
          'gen_ai.request.temperature': 0.2 + prng.int(8) / 10,
          'gen_ai.request.max_tokens': 1024,
          'gen_ai.request.top_p': 0.95,
          'gen_ai.response.model': model,
          'gen_ai.response.id': `chatcmpl-${Buffer.from(prng.bytes(12)).toString('hex')}`,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
          'gen_ai.usage.cache_read.input_tokens': prng.int(input),
          'server.address': 'api.openai.com',
          'server.port': 443,
          'gen_ai.input.messages': messagesJson(prng, 1 + prng.int(3)),
        },
      },
      parentContext,
    );
    span.addEvent(
      'gen_ai.user.message',
      { 'gen_ai.system': 'openai', content: prng.pick(PROMPTS) },
      hrTime(clock + 1_000n),
    );
    const latency = BigInt(200_000_000 + prng.int(3_000_000_000));
    span.addEvent(
      'gen_ai.choice',
      { 'gen_ai.system': 'openai', index: 0, finish_reason: 'stop', message: prng.pick(PROMPTS) },
      hrTime(clock + latency - 1_000n),
    );
    if (prng.int(10) === 0) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited: retry after 2s' });
      span.setAttribute('error.type', 'RateLimitError');
    }
    span.end(hrTime(clock + latency));
  }
  parentSpan?.end(hrTime(clock + 1n));
}

/** A sampled, remote span context, for links and parents. */
export function spanContext(traceId: string, spanId: string, traceState?: string): SpanContext {
  return {
    traceId,
    spanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    ...(traceState === undefined ? {} : { traceState: new TraceState(traceState) }),
  };
}

/**
 * The same span with OTLP attribute values the SDK's own `setAttribute` refuses (kvlists,
 * bytes, nested and mixed arrays, int64 beyond 2^53, empty values). The serializers accept
 * them, because the OTLP data model allows them; only the SDK's API type is narrower.
 */
export function withAttributes(span: ReadableSpan, attributes: Attributes): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: attributes as unknown as ApiAttributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function nanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

/** The SDK's attribute values in decoded form: numbers stay numbers, `undefined` is dropped. */
function expectedAttributes(attributes: ApiAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined) continue;
    out[key] = (Array.isArray(value) ? value.map((v) => v ?? null) : value) as AttributeValue;
  }
  return out;
}

function expectedLink(link: Link): DecodedSpan['links'][number] {
  return {
    traceId: link.context.traceId,
    spanId: link.context.spanId,
    traceState: link.context.traceState?.serialize() ?? '',
    attributes: expectedAttributes(link.attributes),
  };
}

/**
 * What a decoder must return for an SDK span, computed from the SDK object alone. OTLP's span
 * kinds are the API's plus one (0 is UNSPECIFIED); status codes are the same numbers.
 */
export function expectedDecodedSpan(span: ReadableSpan): DecodedSpan {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    traceState: context.traceState?.serialize() ?? '',
    name: span.name,
    kind: SPAN_KINDS[span.kind + 1] ?? 'UNSPECIFIED',
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: expectedAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      timeUnixNano: nanos(event.time),
      name: event.name,
      attributes: expectedAttributes(event.attributes),
    })),
    links: span.links.map(expectedLink),
    status: { code: STATUS_CODES[span.status.code] ?? 'UNSET', message: span.status.message ?? '' },
  };
}
