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
  ATTR_TOKENWATCH_PROJECT,
  ATTR_TOKENWATCH_TEAM,
} from '@tokenwatch/schema/semconv';
import { AnthropicInstrumentation } from './anthropic-instrumentation.ts';
import { configureBudget } from './guard/defaults.ts';
import { LlmInstrumentation } from './llm-instrumentation.ts';
import { installLoaderHook } from './loader-hook.ts';
import { OpenAIInstrumentation } from './openai-instrumentation.ts';
import { checkEsmImports, type PatchTarget, patchLoadedCommonJs } from './preloaded.ts';
import { setProcessAttribution } from './process-attribution.ts';
import { samplerFromEnv, tokenwatchSampler } from './sampler.ts';
import { BRIEF_EXPORT_TIMEOUT_MS, otlpTracesUrl, WatchedExporter } from './span-export.ts';
import { tokenwatchSpanProcessor } from './span-processor.ts';
import type {
  RegisterOptions,
  TokenwatchHandle,
  TokenwatchInstrumentationConfig,
} from './types.ts';
import { warn } from './warn.ts';

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
 * Longest wait for the final flush in `shutdown()`: the exporter gives a collector that is not
 * known to be up one short try (see span-export.ts), so this only bounds the unusual cases (a
 * patient export that was already retrying, a custom exporter).
 */
export const SHUTDOWN_TIMEOUT_MS = 3_000;

/** How {@link startTokenwatch} was reached. */
export type RegisterEntry = {
  /**
   * `preload`: the `--import` entry, before the application is loaded (nothing can have been
   * imported yet); `code`: `register()` in the application.
   */
  entry: 'preload' | 'code';
};

function patchTargets(instrumentations: readonly Instrumentation[]): PatchTarget[] {
  return instrumentations.flatMap((instrumentation) =>
    instrumentation instanceof LlmInstrumentation
      ? instrumentation.getModuleDefinitions().map((definition) => ({
          name: definition.name,
          patch: (moduleExports: unknown) => instrumentation.manuallyInstrument(moduleExports),
        }))
      : [],
  );
}

function exporterFor(options: RegisterOptions): WatchedExporter {
  if (options.traceExporter) {
    return new WatchedExporter(options.traceExporter, { destination: 'the trace exporter' });
  }
  return new WatchedExporter(new OTLPTraceExporter(), {
    destination: otlpTracesUrl(),
    brief: new OTLPTraceExporter({ timeoutMillis: BRIEF_EXPORT_TIMEOUT_MS }),
  });
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; true when it timed out. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((done) => {
    // Unref'd: the wait itself must not keep the process alive.
    timer = setTimeout(() => done(true), ms);
    timer.unref();
  });
  return Promise.race([promise.then(() => false), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the OpenTelemetry Node SDK for Tokenwatch and returns a handle to flush and stop it.
 * Standard variables apply: OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER.
 * Only traces are set up: no metrics or logs exporters. Calling it again returns the first handle.
 *
 * In an ESM application, call it before the SDKs are imported: static imports are evaluated
 * before the code that imports them, so import the SDK dynamically after it
 * (`const { default: OpenAI } = await import('openai')`), or preload Tokenwatch with
 * `node --import @tokenwatch/instrumentation/register`. An SDK found loaded already is patched
 * late and, in ESM, reported on stderr.
 *
 * @example
 * ```ts
 * const tokenwatch = register({ serviceName: 'support-bot', budget: { maxUsd: 0.5 } });
 * process.on('SIGTERM', () => tokenwatch.shutdown().finally(() => process.exit(0)));
 * ```
 */
export function register(options: RegisterOptions = {}): Registration {
  return startTokenwatch(options, { entry: 'code' });
}

/** {@link register}, told which entry point called it. Internal to the package. */
export function startTokenwatch(options: RegisterOptions, how: RegisterEntry): Registration {
  if (current) {
    diag.warn('tokenwatch: register() was called again; the first registration stays in effect');
    return current;
  }
  if (options.budget) configureBudget(options.budget);
  // Before the instrumentations are enabled, so that their import-in-the-middle hooks have a
  // loader feeding them: without it, an SDK imported after register() in ESM was never patched.
  installLoaderHook();
  const instrumentations = tokenwatchInstrumentations({
    captureContent: options.captureContent,
    includeStreamUsage: options.includeStreamUsage,
  });
  const exporter = exporterFor(options);
  const exporting = new BatchSpanProcessor(exporter);
  const processAttribution = {
    ...(options.agent === undefined ? {} : { [ATTR_GEN_AI_AGENT_NAME]: options.agent }),
    ...(options.team === undefined ? {} : { [ATTR_TOKENWATCH_TEAM]: options.team }),
    ...(options.feature === undefined ? {} : { [ATTR_TOKENWATCH_FEATURE]: options.feature }),
    ...(options.project === undefined ? {} : { [ATTR_TOKENWATCH_PROJECT]: options.project }),
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
  setProcessAttribution({
    agent: options.agent,
    team: options.team,
    feature: options.feature,
    project: options.project,
    serviceName: options.serviceName,
  });
  const targets = patchTargets(instrumentations);
  patchLoadedCommonJs(targets);
  if (how.entry === 'code') void checkEsmImports(targets);

  let stopped: Promise<void> | undefined;
  current = {
    instrumentations,
    // Neither rejects: a failed export is reported once on stderr by the exporter, and an
    // application awaiting these at its end must not crash because the collector is down.
    forceFlush: () =>
      exporting.forceFlush().catch((err: unknown) => diag.error('tokenwatch: flush failed', err)),
    shutdown: () => {
      stopped ??= (async () => {
        exporter.close();
        const done = sdk
          .shutdown()
          .catch((err: unknown) => diag.error('tokenwatch: shutdown failed', err));
        if (await settledWithin(done, SHUTDOWN_TIMEOUT_MS)) {
          warn(
            `stopped waiting for the span export after ${SHUTDOWN_TIMEOUT_MS} ms; spans still queued are lost`,
          );
        }
      })().finally(() => {
        for (const instrumentation of instrumentations) instrumentation.disable();
        setProcessAttribution(undefined);
        current = undefined;
      });
      return stopped;
    },
  };
  return current;
}
