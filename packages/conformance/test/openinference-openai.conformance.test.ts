/**
 * OpenInference's OpenAI instrumentation (@arizeai/openinference-instrumentation-openai 4.2.7) on
 * openai 6.x. Its INTERNAL `OpenAI Chat Completions` span (`openinference.span.kind=LLM`) carries
 * the full split: prompt tokens inclusive of cache, cache reads and reasoning apart. Streams get no
 * usage, and a failed request leaves no span.
 */
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
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
  tracing = startTracing(backend, { service: 'openinference-openai', global: false });
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: tracing.provider });
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

// The emitter names only the response model (`llm.model_name`); the request model is inside the
// `llm.invocation_parameters` JSON, which the collector does not read, so request_model is empty.

describe('OpenInference OpenAI', () => {
  it('prices cached prompt tokens at the cache-read price', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 1200, cacheRead: 800, output: 150 },
    });
    await openai.chat.completions.create({ model: 'gpt-4o', messages });
    const spans = await tracing.take();

    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      'openinference.span.kind': 'LLM',
      'llm.token_count.prompt': 2000,
      'llm.token_count.prompt_details.cache_read': 800,
    });

    // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
    //   input 1200 × 2.50 / 1e6 = 0.003; cache read 800 × 1.25 / 1e6 = 0.001;
    //   output 150 × 10 / 1e6 = 0.0015; total 0.0055
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'OpenAI Chat Completions',
        provider: 'openai',
        operation: 'chat',
        request_model: '',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 1200,
        cache_read_tokens: 800,
        cache_write_tokens: 0,
        output_tokens: 150,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.0055',
      },
    ]);
  });

  it('counts reasoning tokens as part of the output', async () => {
    backend.fake.enqueue({
      model: 'o4-mini-2025-04-16',
      usage: { uncachedInput: 1200, cacheRead: 800, output: 3000, reasoning: 2400 },
    });
    await openai.chat.completions.create({ model: 'o4-mini', messages });
    const spans = await tracing.take();

    // o4-mini: $1.10 per million input, $0.275 cached input, $4.40 output (reasoning included):
    //   input 1200 × 1.10 / 1e6 = 0.00132; cache read 800 × 0.275 / 1e6 = 0.00022;
    //   output 3000 × 4.40 / 1e6 = 0.0132; total 0.01474
    //   (adding the 2400 reasoning tokens on top would bill 5400 output tokens: 0.02376)
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'OpenAI Chat Completions',
        provider: 'openai',
        operation: 'chat',
        request_model: '',
        response_model: 'o4-mini-2025-04-16',
        input_tokens: 1200,
        cache_read_tokens: 800,
        cache_write_tokens: 0,
        output_tokens: 3000,
        reasoning_tokens: 2400,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01474',
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
    // The provider did send usage; the instrumentation does not record it for streams.
    expect(reported).toBe(400);
    const spans = await tracing.take();

    expect(spans.map((s) => s.attributes['llm.token_count.prompt'])).toEqual([undefined]);
    // On streams `llm.model_name` is the request model: the response's dated model is not known.
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'OpenAI Chat Completions',
        provider: 'openai',
        operation: 'chat',
        request_model: '',
        response_model: 'gpt-4o',
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

  it('bills two calls under an AGENT span with their summed usage once each', async () => {
    backend.fake.enqueue(
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 700, cacheRead: 500, output: 100 } },
    );
    await withAgentSpan(
      tracing,
      'trip-planner',
      { 'openinference.span.kind': 'AGENT', 'agent.name': 'trip-planner' },
      async (agent) => {
        let prompt = 0;
        let cached = 0;
        let completion = 0;
        for (let i = 0; i < 2; i++) {
          const result = await openai.chat.completions.create({ model: 'gpt-4o', messages });
          prompt += result.usage?.prompt_tokens ?? 0;
          cached += result.usage?.prompt_tokens_details?.cached_tokens ?? 0;
          completion += result.usage?.completion_tokens ?? 0;
        }
        // As agent frameworks do: the agent span reports what its calls used, in total.
        agent.setAttributes({
          'llm.token_count.prompt': prompt,
          'llm.token_count.prompt_details.cache_read': cached,
          'llm.token_count.completion': completion,
          'llm.token_count.total': prompt + completion,
        });
      },
    );
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.attributes['llm.token_count.prompt']])).toEqual([
      ['OpenAI Chat Completions', 1000],
      ['OpenAI Chat Completions', 1200],
      ['trip-planner', 2200],
    ]);

    // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
    //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
    //   call 2: 700 × 2.50 / 1e6 = 0.00175 + 500 × 1.25 / 1e6 = 0.000625
    //           + 100 × 10 / 1e6 = 0.001 → 0.003375
    //   together 0.006375
    const rows = await backend.calls(spans);
    expect(
      rows.map((r) => [r.span, r.input_tokens, r.cache_read_tokens, r.output_tokens, r.total_cost]),
    ).toEqual([
      ['OpenAI Chat Completions', 1000, 0, 50, '0.003'],
      ['OpenAI Chat Completions', 700, 500, 100, '0.003375'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.006375');
  });
});
