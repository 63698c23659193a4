/**
 * @module
 * The contenders of the overhead benchmark, each set up the way its documentation says, and all
 * exporting through the same BatchSpanProcessor into a counting exporter (so the comparison is the
 * instrumentation, not the export path). `tokenwatch-register` is the exception on purpose: it is
 * `register()` as users run it, exporting over OTLP/HTTP to a sink the benchmark's parent process
 * runs, so its numbers include serializing and sending the spans.
 */
import {
  type Attributes,
  type AttributeValue,
  context,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import type { CallSummary, ScenarioName } from './overhead-requests.ts';

/**
 * Who is measured. `otel-context` is the OTel SDK set up with nothing recorded: on Node 20 the
 * first `context.with` (which the BatchSpanProcessor itself makes around every export) turns on
 * AsyncLocalStorage's promise hooks, which from then on tax every promise the SDK creates. The
 * floors are hand-made spans with Tokenwatch's attributes: `otel-manual` started and ended around
 * the call, `otel-active` also made the active span while the SDK runs (`context.with`), as every
 * instrumentation does so that nested spans get their parent.
 */
export const CONTENDERS = [
  'none',
  'otel-context',
  'otel-manual',
  'otel-active',
  'tokenwatch',
  'tokenwatch-register',
  'openllmetry',
  'openinference',
] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** Which contenders run on which API: each third party only where it patches the SDK. */
export const CONTENDERS_BY_SCENARIO: Readonly<Record<ScenarioName, readonly ContenderName[]>> = {
  'openai-chat': CONTENDERS,
  'openai-chat-stream': CONTENDERS.filter((name) => name !== 'otel-context'),
  'anthropic-messages': [
    'none',
    'otel-context',
    'otel-manual',
    'otel-active',
    'tokenwatch',
    'tokenwatch-register',
    'openinference',
  ],
  // OpenLLMetry's Anthropic instrumentation patches a class the 1.x SDK removed.
  'anthropic-messages-v0': ['none', 'tokenwatch', 'openllmetry'],
};

/** Spans seen by the counting exporter. */
export type SpanCounts = {
  spans: number;
  /** Spans carrying a token count under any convention's name. */
  withUsage: number;
  /** Attribute count of the last span exported. */
  attributes: number;
};

/** An SDK as the child imported it: the module namespace and its client class. */
export type SdkModule = { module: unknown; client: unknown };

/** A contender, ready to patch the SDK. */
export type Contender = {
  instrument(sdk: SdkModule): Promise<void>;
  /** Wraps each call in a hand-made span (`otel-manual` only). */
  wrap?<T extends CallSummary>(name: string, provider: string, call: () => Promise<T>): Promise<T>;
  /** Exports every ended span. */
  flush(): Promise<void>;
  /** What the exporter saw; undefined when the spans leave the process (`tokenwatch-register`). */
  counts(): SpanCounts | undefined;
};

const USAGE_KEY = /token_count|usage\.(input|prompt)/;

/** Counts what it is handed, as a cheap stand-in for an exporter's network round trip. */
class CountingExporter implements SpanExporter {
  readonly counts: SpanCounts = { spans: 0, withUsage: 0, attributes: 0 };

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) {
      this.counts.spans += 1;
      const keys = Object.keys(span.attributes);
      this.counts.attributes = keys.length;
      if (keys.some((key) => USAGE_KEY.test(key))) this.counts.withUsage += 1;
    }
    // ExportResultCode.SUCCESS (@opentelemetry/core) is 0.
    done({ code: 0 });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The OTel SDK as an instrumented app runs it: a NodeTracerProvider with a BatchSpanProcessor
 * (default settings) and the AsyncLocalStorage context manager, registered nowhere globally
 * (the Anthropic 1.x SDK would otherwise add spans of its own).
 */
function createTracing(): { provider: NodeTracerProvider; exporter: CountingExporter } {
  const exporter = new CountingExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  trace.disable();
  return { provider, exporter };
}

function explicit(
  instrument: (sdk: SdkModule, provider: NodeTracerProvider) => Promise<void>,
): Contender {
  const { provider, exporter } = createTracing();
  return {
    instrument: (sdk) => instrument(sdk, provider),
    flush: () => provider.forceFlush(),
    counts: () => ({ ...exporter.counts }),
  };
}

type Patcher = {
  manuallyInstrument(module: never): void;
  setTracerProvider(provider: NodeTracerProvider): void;
};

function patch(instrumentation: Patcher, target: unknown, provider: NodeTracerProvider): void {
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument(target as never);
}

function isAnthropic(scenario: ScenarioName): boolean {
  return scenario.startsWith('anthropic');
}

/** Sets up `name` for `scenario`. Call before the SDK's client is created. */
export async function createContender(
  name: ContenderName,
  scenario: ScenarioName,
): Promise<Contender> {
  switch (name) {
    case 'none':
      return { instrument: async () => {}, flush: async () => {}, counts: () => undefined };
    case 'otel-context':
      return contextContender();
    case 'otel-manual':
      return manualContender(false);
    case 'otel-active':
      return manualContender(true);
    case 'tokenwatch':
      return explicit(async (sdk, provider) => {
        const tw = await import('@tokenwatch/instrumentation');
        const instrumentation = isAnthropic(scenario)
          ? new tw.AnthropicInstrumentation()
          : new tw.OpenAIInstrumentation();
        patch(instrumentation, sdk.module, provider);
      });
    case 'tokenwatch-register':
      return registerContender(scenario);
    case 'openllmetry':
      return explicit(async (sdk, provider) => {
        if (isAnthropic(scenario)) {
          const { AnthropicInstrumentation } = await import('@traceloop/instrumentation-anthropic');
          patch(new AnthropicInstrumentation(), sdk.module, provider);
        } else {
          const { OpenAIInstrumentation } = await import('@traceloop/instrumentation-openai');
          patch(new OpenAIInstrumentation(), sdk.client, provider);
        }
      });
    case 'openinference':
      return explicit(async (sdk, provider) => {
        const instrumentation = isAnthropic(scenario)
          ? new (
              await import('@arizeai/openinference-instrumentation-anthropic')
            ).AnthropicInstrumentation({ tracerProvider: provider })
          : new (
              await import('@arizeai/openinference-instrumentation-openai')
            ).OpenAIInstrumentation({ tracerProvider: provider });
        instrumentation.manuallyInstrument(sdk.client as never);
      });
  }
}

/**
 * `register()` with its defaults: NodeSDK, the attribution processor, the sampler, the
 * BatchSpanProcessor and the OTLP/HTTP exporter (endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * which the parent points at its sink). The module hooks cannot see the SDK this process imports
 * through its TypeScript loader, so the registered instrumentation patches it explicitly.
 */
async function registerContender(scenario: ScenarioName): Promise<Contender> {
  const tw = await import('@tokenwatch/instrumentation');
  const registration = tw.register({ serviceName: 'overhead-bench' });
  const wanted = isAnthropic(scenario) ? tw.AnthropicInstrumentation : tw.OpenAIInstrumentation;
  const instrumentation = registration.instrumentations.find((i) => i instanceof wanted) as
    | InstanceType<typeof wanted>
    | undefined;
  if (!instrumentation) throw new Error('register() set up no instrumentation for this SDK');
  return {
    instrument: async (sdk) => instrumentation.manuallyInstrument(sdk.module),
    flush: () => registration.forceFlush(),
    counts: () => undefined,
  };
}

/** The OTel SDK with its context manager switched on, as the BSP's first export does. */
function contextContender(): Contender {
  const { provider } = createTracing();
  context.with(context.active(), () => {});
  return {
    instrument: async () => {},
    flush: () => provider.forceFlush(),
    counts: () => undefined,
  };
}

/** Attributes a Tokenwatch call span starts with, as constants: the floor computes nothing. */
function startAttributes(name: string, provider: string): Attributes {
  const [operation, model] = name.split(' ');
  return {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.request.max_tokens': 512,
    // The Anthropic 1.x SDK has no temperature parameter; the OpenAI request sets one.
    ...(provider === 'openai' ? { 'gen_ai.request.temperature': 0.2 } : {}),
    'server.address': '127.0.0.1',
    'server.port': 41234,
    'tokenwatch.prefix_hash': '0123456789abcdef0123456789abcdef',
  };
}

function setIfDefined(span: { setAttribute(k: string, v: AttributeValue): unknown }, key: string) {
  return (value: AttributeValue | undefined) => {
    if (value !== undefined) span.setAttribute(key, value);
  };
}

/**
 * The OTel floor: a CLIENT span started with the attributes a Tokenwatch span starts with, the
 * response attributes set one by one as Tokenwatch sets them, ended into the same BSP. No request
 * reading, no hashing: what any instrumentation recording the same data pays. `active` runs the
 * call with the span as the active span.
 */
function manualContender(active: boolean): Contender {
  const { provider, exporter } = createTracing();
  const tracer: Tracer = provider.getTracer('overhead-manual');
  return {
    instrument: async () => {},
    async wrap(name, providerName, call) {
      const span = tracer.startSpan(name, {
        kind: SpanKind.CLIENT,
        attributes: startAttributes(name, providerName),
      });
      try {
        const summary = await (active
          ? context.with(trace.setSpan(context.active(), span), call)
          : call());
        setIfDefined(span, 'gen_ai.response.model')(summary.responseModel);
        setIfDefined(span, 'gen_ai.response.id')(summary.responseId);
        if (summary.finishReason) {
          span.setAttribute('gen_ai.response.finish_reasons', [summary.finishReason]);
        }
        setIfDefined(span, 'gen_ai.usage.input_tokens')(summary.inputTokens);
        setIfDefined(span, 'gen_ai.usage.output_tokens')(summary.outputTokens);
        setIfDefined(span, 'gen_ai.usage.cache_read.input_tokens')(summary.cacheReadTokens);
        return summary;
      } finally {
        span.end();
      }
    },
    flush: () => provider.forceFlush(),
    counts: () => ({ ...exporter.counts }),
  };
}
