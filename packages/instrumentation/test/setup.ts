/**
 * Test tracing: a global tracer provider whose spans end up in an in-memory exporter, with the
 * Tokenwatch sampler and attribution processor in front, as `register()` sets them up. Each test
 * file runs in its own process, so importing this module gives the file a private provider.
 */
import * as AnthropicV1 from '@anthropic-ai/sdk';
import * as AnthropicV0 from '@anthropic-ai/sdk-v0';
import { node } from '@opentelemetry/sdk-node';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import * as OpenAIV6 from 'openai';
import * as OpenAIV5 from 'openai-v5';
import { AnthropicInstrumentation } from '../src/anthropic-instrumentation.ts';
import { OpenAIInstrumentation } from '../src/openai-instrumentation.ts';
import { tokenwatchSampler } from '../src/sampler.ts';
import { tokenwatchSpanProcessor } from '../src/span-processor.ts';
import type { TokenwatchInstrumentationConfig } from '../src/types.ts';

export type TestTracing = {
  exporter: InMemorySpanExporter;
  provider: node.NodeTracerProvider;
  openai: OpenAIInstrumentation;
  anthropic: AnthropicInstrumentation;
  /** Finished spans, oldest first. */
  spans(): ReadableSpan[];
  /** Finished spans of Tokenwatch's LLM calls (not tasks, not the SDK's own). */
  callSpans(): ReadableSpan[];
  reset(): void;
};

/**
 * Registers the provider and instruments both majors of both SDKs through `manuallyInstrument`
 * (vitest loads node_modules with Node's own loader, where the module hooks are not installed).
 */
export function setupTracing(
  options: {
    sampler?: Sampler;
    config?: TokenwatchInstrumentationConfig;
    /** Patch the SDK modules. @default true */
    patchModules?: boolean;
  } = {},
): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({
    sampler: tokenwatchSampler(options.sampler ?? new AlwaysOnSampler()),
    spanProcessors: [tokenwatchSpanProcessor(), new SimpleSpanProcessor(exporter)],
  });
  // Also installs the AsyncLocalStorage context manager the attribution relies on.
  provider.register();
  const openai = new OpenAIInstrumentation(options.config);
  const anthropic = new AnthropicInstrumentation(options.config);
  if (options.patchModules !== false) {
    openai.manuallyInstrument(OpenAIV6);
    openai.manuallyInstrument(OpenAIV5);
    anthropic.manuallyInstrument(AnthropicV1);
    anthropic.manuallyInstrument(AnthropicV0);
  }
  const spans = () => exporter.getFinishedSpans();
  return {
    exporter,
    provider,
    openai,
    anthropic,
    spans,
    callSpans: () =>
      spans().filter(
        (span) =>
          span.instrumentationScope.name.startsWith('@tokenwatch/instrumentation/') ||
          (span.instrumentationScope.name === '@tokenwatch/instrumentation' &&
            !span.name.startsWith('task ')),
      ),
    reset: () => exporter.reset(),
  };
}
