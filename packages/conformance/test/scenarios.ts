/**
 * @module
 * The conformance table: one row per emitter (a real instrumentation or SDK, emitters/<name>.ts),
 * run in this order by emitters.conformance.test.ts against the fake provider into a real
 * collector. A row (emitter.ts) says how the emitter is set up, which convention record of the
 * collector its call spans follow (collector/src/normalize/conventions/<name>.ts), how it splits
 * tokens and what is odd about it, then its scenarios: what the app does, what the emitter sent,
 * what must be stored.
 *
 * A new emitter is one row here (and, if it follows no known convention, one record there).
 *
 * The rows share one process, one after the other: each row's setup patches SDK classes and
 * registers tracer providers, and its shutdown undoes that, so that the next row sees no trace of
 * it (two instrumentations patching one SDK at once would report every call twice).
 */
import type { Emitter } from './emitter.ts';
import { aiSdkAnthropic, aiSdkOpenAi } from './emitters/ai-sdk.ts';
import { anthropicNative } from './emitters/anthropic-native.ts';
import { openInferenceAnthropic } from './emitters/openinference-anthropic.ts';
import { openInferenceOpenAi } from './emitters/openinference-openai.ts';
import { otelOpenAi } from './emitters/otel-openai.ts';
import { traceloopAnthropic } from './emitters/traceloop-anthropic.ts';
import { traceloopOpenAi } from './emitters/traceloop-openai.ts';

export const EMITTERS: readonly Emitter<unknown>[] = [
  otelOpenAi,
  anthropicNative,
  traceloopOpenAi,
  traceloopAnthropic,
  openInferenceOpenAi,
  openInferenceAnthropic,
  aiSdkOpenAi,
  aiSdkAnthropic,
];
