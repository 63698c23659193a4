import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplerFromEnv, tokenwatchSampler } from '../src/sampler.ts';
import { withTask } from '../src/task.ts';
import { setupTracing } from './setup.ts';

// The application samples nothing at all.
const tracing = setupTracing({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) });
let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());

describe('tokenwatchSampler', () => {
  it('records LLM calls and tasks when the application samples nothing', async () => {
    const openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
    const tracer = trace.getTracer('app');
    // A request handler span the application's sampler drops, with a call under it.
    await tracer.startActiveSpan('GET /chat', async (request) => {
      await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      request.end();
    });
    await withTask({ name: 'nightly-report' }, async () => {
      tracer.startSpan('tool lookup').end();
      await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    });
    expect(tracing.spans().map((span) => span.name)).toEqual([
      'chat gpt-4o',
      // Under the recorded task span, the parent-based sampler records the tool span too.
      'tool lookup',
      'embeddings text-embedding-3-small',
      'task nightly-report',
    ]);
  });

  it('decides on the attributes a span starts with and delegates the rest', () => {
    const sampler = tokenwatchSampler(new TraceIdRatioBasedSampler(0));
    const traceId = 'd4cda95b652f4a1592b449d5929fda1b';
    const decide = (attributes: Record<string, string>) =>
      sampler.shouldSample(ROOT_CONTEXT, traceId, 'x', SpanKind.CLIENT, attributes, []).decision;
    expect(decide({ 'gen_ai.operation.name': 'chat' })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({ 'gen_ai.operation.name': 'embeddings' })).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide({ 'tokenwatch.task.id': 't' })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    // Agent and tool spans are not calls: the application's sampler decides.
    expect(decide({ 'gen_ai.operation.name': 'invoke_agent' })).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({})).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.toString()).toBe('TokenwatchSampler{TraceIdRatioBased{0}}');
  });
});

describe('samplerFromEnv', () => {
  it('reads OTEL_TRACES_SAMPLER and its argument like the SDK', () => {
    expect(samplerFromEnv({}).toString()).toBe(
      'ParentBased{root=AlwaysOnSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}',
    );
    expect(
      samplerFromEnv({
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).toString(),
    ).toBe('TraceIdRatioBased{0.25}');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).toString()).toBe(
      'AlwaysOffSampler',
    );
  });
});
