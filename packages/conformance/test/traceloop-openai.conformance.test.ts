/**
 * OpenLLMetry's OpenAI instrumentation (@traceloop/instrumentation-openai 0.27.0) on openai 6.x.
 * It reports input tokens inclusive of cache with no cache split and no reasoning count, leaves
 * streams without usage, and exports nothing for a request that fails.
 */
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  startBackend,
  startTracing,
  type Tracing,
  withAgentSpan,
} from './harness.ts';

let backend: Backend;
let tracing: Tracing;
let openai: OpenAI;

beforeAll(async () => {
  backend = await startBackend();
  tracing = startTracing(backend, { service: 'traceloop-openai', global: false });
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  // Require hooks do not patch an ESM import of the SDK; the manual API patches the class itself.
  instrumentation.manuallyInstrument(OpenAI);
  // No retries: a scripted 500 must be one request, as the test scripts one reply.
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: backend.fake.openaiBaseUrl, maxRetries: 0 });
});

afterAll(async () => {
  await tracing.shutdown();
  await backend.close();
});

beforeEach(() => backend.fake.reset());

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe('OpenLLMetry OpenAI', () => {
  it('bills cached prompt tokens as uncached input (the emitter drops the split)', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 1200, cacheRead: 800, output: 150 },
    });
    await openai.chat.completions.create({ model: 'gpt-4o', messages });
    const spans = await tracing.take();

    // What the emitter sent: prompt_tokens (U + C) as input, and nothing about the cache.
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['gen_ai.usage.input_tokens']).toBe(2000);
    expect(Object.keys(spans[0]!.attributes).filter((k) => k.includes('cache'))).toEqual([]);

    // Tokenwatch cannot know that 800 of the 2000 were cached, so it prices all 2000 as input.
    // gpt-4o: $2.50 per million input, $10 output (cached would be $1.25):
    //   input 2000 × 2.50 / 1e6 = 0.005; output 150 × 10 / 1e6 = 0.0015; total 0.0065
    //   (the real bill is 0.0055: 1200 × 2.50 + 800 × 1.25 + 150 × 10, over 1e6)
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat gpt-4o',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 2000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 150,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.0065',
      },
    ]);
  });

  it('keeps reasoning inside output, with no reasoning count (the emitter has none)', async () => {
    backend.fake.enqueue({
      model: 'o4-mini-2025-04-16',
      usage: { uncachedInput: 2000, output: 3000, reasoning: 2400 },
    });
    await openai.chat.completions.create({ model: 'o4-mini', messages });
    const spans = await tracing.take();

    // o4-mini: $1.10 per million input, $4.40 output; reasoning is billed as output:
    //   input 2000 × 1.10 / 1e6 = 0.0022; output 3000 × 4.40 / 1e6 = 0.0132; total 0.0154
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat o4-mini',
        provider: 'openai',
        operation: 'chat',
        request_model: 'o4-mini',
        response_model: 'o4-mini-2025-04-16',
        input_tokens: 2000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 3000,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.0154',
      },
    ]);
  });

  it('stores a stream without usage as usage missing with a NULL cost, never 0', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let reported = 0;
    for await (const chunk of stream) reported += chunk.usage?.completion_tokens ?? 0;
    // The provider did send usage; the instrumentation ignores the include_usage chunk.
    expect(reported).toBe(400);
    const spans = await tracing.take();

    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat gpt-4o',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        usage_missing: true,
        status: 'ok',
        error_type: '',
        total_cost: null,
      },
    ]);
  });

  it('exports no span for a failed call, so nothing can be stored', async () => {
    const before = await backend.countAllCalls();
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages })).rejects.toThrow(
      OpenAI.InternalServerError,
    );
    expect(backend.fake.requests).toHaveLength(1);
    // The span is never ended when the promise rejects, so it is never exported.
    expect(await tracing.take()).toEqual([]);
    expect(await backend.countAllCalls()).toBe(before);
  });

  it('bills two calls under an agent span with their summed usage once each', async () => {
    backend.fake.enqueue(
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, output: 100 } },
    );
    let input = 0;
    let output = 0;
    await withAgentSpan(
      tracing,
      'invoke_agent trip-planner',
      { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'trip-planner' },
      async (agent) => {
        for (let i = 0; i < 2; i++) {
          const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages });
          input += completion.usage?.prompt_tokens ?? 0;
          output += completion.usage?.completion_tokens ?? 0;
        }
        // As agent frameworks do: the agent span reports what its calls used, in total.
        agent.setAttributes({
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
        });
      },
    );
    const spans = await tracing.take();
    expect(spans.map((s) => s.name)).toEqual([
      'chat gpt-4o',
      'chat gpt-4o',
      'invoke_agent trip-planner',
    ]);
    expect(spans[2]!.attributes['gen_ai.usage.input_tokens']).toBe(2200);

    // gpt-4o: $2.50 per million input, $10 output:
    //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
    //   call 2: 1200 × 2.50 / 1e6 = 0.003 + 100 × 10 / 1e6 = 0.001 → 0.004
    //   together 0.007; billing the agent span too would double it to 0.014
    const rows = await backend.calls(spans);
    expect(rows.map((r) => [r.span, r.input_tokens, r.output_tokens, r.total_cost])).toEqual([
      ['chat gpt-4o', 1000, 50, '0.003'],
      ['chat gpt-4o', 1200, 100, '0.004'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.007');
  });
});
