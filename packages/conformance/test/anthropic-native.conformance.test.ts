/**
 * The Anthropic SDK's own spans (@anthropic-ai/sdk 1.x, scope `com.anthropic.sdk.typescript`):
 * on by default as soon as a global tracer provider exists, with no instrumentation installed.
 * One CLIENT `anthropic.messages.create` span per call; `gen_ai.usage.input_tokens` is inclusive
 * of cache reads and writes, which come as `gen_ai.usage.cache_read/cache_write.input_tokens`.
 */
import Anthropic from '@anthropic-ai/sdk';
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
let anthropic: Anthropic;

beforeAll(async () => {
  backend = await startBackend();
  // The SDK takes its tracer from the global provider when the client is constructed.
  tracing = startTracing(backend, { service: 'anthropic-native', global: true });
  anthropic = new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: backend.fake.anthropicBaseUrl,
    // A scripted 500 must be one request, as the test scripts one reply.
    maxRetries: 0,
  });
});

afterAll(async () => {
  await tracing.shutdown();
  await backend.close();
});

beforeEach(() => backend.fake.reset());

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Summarise the attached contract.' }],
};

describe("Anthropic SDK 1.x's own spans", () => {
  it('splits the inclusive input into uncached input, cache reads and cache writes', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 1500, cacheRead: 40000, cacheWrite: 2048, output: 700 },
    });
    await anthropic.messages.create(request);
    const spans = await tracing.take();

    expect(spans).toHaveLength(1);
    expect(spans[0]!.scope).toBe('com.anthropic.sdk.typescript');
    // What the SDK sent: input = U + C + W = 1500 + 40000 + 2048.
    expect(spans[0]!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 43548,
      'gen_ai.usage.cache_read.input_tokens': 40000,
      'gen_ai.usage.cache_write.input_tokens': 2048,
    });

    // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
    //   input 1500 × 1 / 1e6 = 0.0015; cache read 40000 × 0.10 / 1e6 = 0.004;
    //   cache write 2048 × 1.25 / 1e6 = 0.00256; output 700 × 5 / 1e6 = 0.0035
    //   total 0.0015 + 0.004 + 0.00256 + 0.0035 = 0.01156
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'anthropic.messages.create',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 1500,
        cache_read_tokens: 40000,
        cache_write_tokens: 2048,
        output_tokens: 700,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01156',
      },
    ]);
  });

  it('stores the full usage of a stream', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 300, cacheRead: 5000, cacheWrite: 800, output: 250 },
    });
    const stream = anthropic.messages.stream(request);
    const message = await stream.finalMessage();
    expect(message.usage.output_tokens).toBe(250);
    const spans = await tracing.take();

    // The stream() helper reports under the same span name as create().
    // claude-haiku-4-5: 300 × 1 = 0.0003, 5000 × 0.10 = 0.0005, 800 × 1.25 = 0.001,
    //   250 × 5 = 0.00125 (each / 1e6); total 0.00305
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'anthropic.messages.create',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 300,
        cache_read_tokens: 5000,
        cache_write_tokens: 800,
        output_tokens: 250,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.00305',
      },
    ]);
  });

  it('stores a failed call as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(anthropic.messages.create(request)).rejects.toThrow(Anthropic.InternalServerError);
    const spans = await tracing.take();
    expect(spans.map((s) => [s.status, s.attributes['error.type']])).toEqual([
      ['ERROR', 'api_error'],
    ]);

    // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'anthropic.messages.create',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: '',
        input_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'error',
        error_type: 'api_error',
        total_cost: '0',
      },
    ]);
  });

  it('bills two calls under an agent span with their summed usage once each', async () => {
    backend.fake.enqueue(
      { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 2000, output: 120 } },
      {
        model: 'claude-haiku-4-5-20251001',
        usage: { uncachedInput: 500, cacheRead: 1500, output: 80 },
      },
    );
    await withAgentSpan(
      tracing,
      'invoke_agent contract-reviewer',
      { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'contract-reviewer' },
      async (agent) => {
        let input = 0;
        let cacheRead = 0;
        let output = 0;
        for (let i = 0; i < 2; i++) {
          const { usage } = await anthropic.messages.create(request);
          input += usage.input_tokens + (usage.cache_read_input_tokens ?? 0);
          cacheRead += usage.cache_read_input_tokens ?? 0;
          output += usage.output_tokens;
        }
        // As agent frameworks do: the agent span reports what its calls used, in total.
        agent.setAttributes({
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.cache_read.input_tokens': cacheRead,
          'gen_ai.usage.output_tokens': output,
        });
      },
    );
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.attributes['gen_ai.usage.input_tokens']])).toEqual([
      ['anthropic.messages.create', 2000],
      ['anthropic.messages.create', 2000],
      ['invoke_agent contract-reviewer', 4000],
    ]);

    // claude-haiku-4-5: $1 per million input, $0.10 cache read, $5 output:
    //   call 1: 2000 × 1 / 1e6 = 0.002 + 120 × 5 / 1e6 = 0.0006 → 0.0026
    //   call 2: 500 × 1 / 1e6 = 0.0005 + 1500 × 0.10 / 1e6 = 0.00015 + 80 × 5 / 1e6 = 0.0004
    //           → 0.00105
    //   together 0.00365
    const rows = await backend.calls(spans);
    expect(
      rows.map((r) => [r.span, r.input_tokens, r.cache_read_tokens, r.output_tokens, r.total_cost]),
    ).toEqual([
      ['anthropic.messages.create', 2000, 0, 120, '0.0026'],
      ['anthropic.messages.create', 500, 1500, 80, '0.00105'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.00365');
  });
});
