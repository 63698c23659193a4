/**
 * @module
 * Starting OpenTelemetry for Tokenwatch: {@link register} runs the Node SDK with the OTLP/HTTP
 * trace exporter, the Tokenwatch instrumentations, the attribution span processor and the
 * always-record-LLM-calls sampler. Applications that run their own SDK add
 * {@link tokenwatchInstrumentations}, `tokenwatchSpanProcessor()` and `tokenwatchSampler()` to it.
 */
import { diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_TOKENWATCH_FEATURE,
  ATTR_TOKENWATCH_TEAM,
} from '@tokenwatch/schema/semconv';
import { AnthropicInstrumentation } from './anthropic-instrumentation.ts';
import { configureBudget } from './guard/defaults.ts';
import { OpenAIInstrumentation } from './openai-instrumentation.ts';
import { samplerFromEnv, tokenwatchSampler } from './sampler.ts';
import { tokenwatchSpanProcessor } from './span-processor.ts';
import type {
  RegisterOptions,
  TokenwatchHandle,
  TokenwatchInstrumentationConfig,
} from './types.ts';

/**
 * The Tokenwatch instrumentations (OpenAI, Anthropic), to add to an SDK's `instrumentations`.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: tokenwatchInstrumentations() });
 * ```
 */
export function tokenwatchInstrumentations(
  config: TokenwatchInstrumentationConfig = {},
): Instrumentation[] {
  return [new OpenAIInstrumentation(config), new AnthropicInstrumentation(config)];
}

/** A running registration, with its instrumentations (tests patch modules through them). */
export type Registration = TokenwatchHandle & {
  readonly instrumentations: readonly Instrumentation[];
};

let current: Registration | undefined;

/**
 * Starts the OpenTelemetry Node SDK for Tokenwatch and returns a handle to flush and stop it.
 * Standard variables apply: OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER.
 * Only traces are set up: no metrics or logs exporters. Calling it again returns the first handle.
 *
 * @example
 * ```ts
 * const tokenwatch = register({ serviceName: 'support-bot', budget: { maxUsd: 0.5 } });
 * process.on('SIGTERM', () => tokenwatch.shutdown().finally(() => process.exit(0)));
 * ```
 */
export function register(options: RegisterOptions = {}): Registration {
  if (current) {
    diag.warn('tokenwatch: register() was called again; the first registration stays in effect');
    return current;
  }
  if (options.budget) configureBudget(options.budget);
  const instrumentations = tokenwatchInstrumentations({
    captureContent: options.captureContent,
    includeStreamUsage: options.includeStreamUsage,
  });
  const exporting = new BatchSpanProcessor(options.traceExporter ?? new OTLPTraceExporter());
  const processAttribution = {
    ...(options.agent === undefined ? {} : { [ATTR_GEN_AI_AGENT_NAME]: options.agent }),
    ...(options.team === undefined ? {} : { [ATTR_TOKENWATCH_TEAM]: options.team }),
    ...(options.feature === undefined ? {} : { [ATTR_TOKENWATCH_FEATURE]: options.feature }),
  };
  const sdk = new NodeSDK({
    // The environment's resource detectors (OTEL_RESOURCE_ATTRIBUTES) are merged over this;
    // `serviceName` is merged last, so a name given in code wins over OTEL_SERVICE_NAME.
    resource: defaultResource().merge(resourceFromAttributes(processAttribution)),
    serviceName: options.serviceName,
    sampler: tokenwatchSampler(options.sampler ?? samplerFromEnv()),
    // Attribution first: it sets attributes when a span starts, before the exporter sees it end.
    spanProcessors: [tokenwatchSpanProcessor(), exporting],
    instrumentations,
    // Tokenwatch reads traces only; without these the SDK would also export metrics and logs
    // to the same endpoint by default.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  current = {
    instrumentations,
    forceFlush: () => exporting.forceFlush(),
    shutdown: () => {
      stopped ??= sdk.shutdown().finally(() => {
        for (const instrumentation of instrumentations) instrumentation.disable();
        current = undefined;
      });
      return stopped;
    },
  };
  return current;
}
