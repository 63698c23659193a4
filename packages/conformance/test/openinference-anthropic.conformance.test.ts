/**
 * OpenInference's Anthropic instrumentation (@arizeai/openinference-instrumentation-anthropic
 * 0.2.8) on @anthropic-ai/sdk 1.x, whose own spans are on as soon as a global tracer provider
 * exists. Every call is reported twice with full usage: the instrumentation's INTERNAL
 * `Anthropic Messages` span and, as its child, the SDK's CLIENT `anthropic.messages.create`.
 * Tokenwatch must bill each call once, at the innermost report.
 */

import Anthropic from '@anthropic-ai/sdk';
import { AnthropicInstrumentation } from '@arizeai/openinference-instrumentation-anthropic';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  createTracing,
  startBackend,
  startTracing,
  type Tracing,
  withAgentSpan,
} from './harness.ts';

let backend: Backend;
let tracing: Tracing;
let instrumentation: AnthropicInstrumentation;
let anthropic: Anthropic;

beforeAll(async () => {
  backend = await startBackend();
  // Global, so that the SDK's own spans are on, as in an app that registers a provider. Both
  // reports of a call reach the collector in one request here; the last test sends them apart.
  tracing = startTracing(backend, {
    service: 'openinference-anthropic',
    global: true,
    processor: 'batch',
  });
  instrumentation = new AnthropicInstrumentation({ tracerProvider: tracing.provider });
  // Require hooks do not patch an ESM import of the SDK; the manual API patches the class itself.
  instrumentation.manuallyInstrument(Anthropic);
  anthropic = new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: backend.fake.anthropicBaseUrl,
    // A scripted 500 must be one request, as the test scripts one reply.
    maxRetries: 0,
  });
});

afterAll(async () => {
  instrumentation.disable();
  await tracing.shutdown();
  await backend.close();
});

beforeEach(() => backend.fake.reset());

const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'Summarise the attached contract.' }],
};

/** The row both reports of the cache scenario below must collapse into. */
const cachedCall = {
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
  // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
  //   input 1500 × 1 / 1e6 = 0.0015; cache read 40000 × 0.10 / 1e6 = 0.004;
  //   cache write 2048 × 1.25 / 1e6 = 0.00256; output 700 × 5 / 1e6 = 0.0035
  //   total 0.01156 (billing both reports would make it 0.02312)
  total_cost: '0.01156',
};
const cachedUsage = { uncachedInput: 1500, cacheRead: 40000, cacheWrite: 2048, output: 700 };

describe('OpenInference Anthropic (with the SDK 1.x spans under it)', () => {
  it('bills a call with cache reads and writes once, although it is reported twice', async () => {
    backend.fake.enqueue({ model: 'claude-haiku-4-5-20251001', usage: cachedUsage });
    await anthropic.messages.create(request);
    const spans = await tracing.take();

    // Both reports carry the full usage, input inclusive of cache (1500 + 40000 + 2048).
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['llm.token_count.prompt'] ?? s.attributes['gen_ai.usage.input_tokens'],
      ]),
    ).toEqual([
      ['Anthropic Messages', 43548],
      ['anthropic.messages.create', 43548],
    ]);
    expect(spans[1]!.parentSpanId).toBe(spans[0]!.spanId);

    expect(await backend.calls(spans)).toEqual([cachedCall]);
  });

  it('bills a stream once, with its full usage', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 800, cacheRead: 3000, cacheWrite: 0, output: 300 },
    });
    const stream = await anthropic.messages.create({ ...request, stream: true });
    let output = 0;
    for await (const event of stream) {
      if (event.type === 'message_delta') output = event.usage.output_tokens;
    }
    expect(output).toBe(300);
    const spans = await tracing.take();
    expect(spans.map((s) => s.name)).toEqual(['Anthropic Messages', 'anthropic.messages.create']);

    // claude-haiku-4-5: 800 × 1 = 0.0008, 3000 × 0.10 = 0.0003, 300 × 5 = 0.0015 (each / 1e6);
    //   total 0.0026
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'anthropic.messages.create',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 800,
        cache_read_tokens: 3000,
        cache_write_tokens: 0,
        output_tokens: 300,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.0026',
      },
    ]);
  });

  it('stores a failed call once, as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(anthropic.messages.create(request)).rejects.toThrow(Anthropic.InternalServerError);
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.status])).toEqual([
      ['anthropic.messages.create', 'ERROR'],
      ['Anthropic Messages', 'ERROR'],
    ]);

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

  it('bills two calls under an AGENT span once each: six spans, two rows', async () => {
    backend.fake.enqueue(
      { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 900, output: 60 } },
      {
        model: 'claude-haiku-4-5-20251001',
        usage: { uncachedInput: 400, cacheWrite: 1600, output: 90 },
      },
    );
    await withAgentSpan(
      tracing,
      'contract-reviewer',
      { 'openinference.span.kind': 'AGENT', 'agent.name': 'contract-reviewer' },
      async (agent) => {
        let prompt = 0;
        let completion = 0;
        for (let i = 0; i < 2; i++) {
          const { usage } = await anthropic.messages.create(request);
          prompt += usage.input_tokens + (usage.cache_creation_input_tokens ?? 0);
          completion += usage.output_tokens;
        }
        // As agent frameworks do: the agent span reports what its calls used, in total.
        agent.setAttributes({
          'llm.token_count.prompt': prompt,
          'llm.token_count.completion': completion,
          'llm.token_count.total': prompt + completion,
        });
      },
    );
    const spans = await tracing.take();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'Anthropic Messages',
      'Anthropic Messages',
      'anthropic.messages.create',
      'anthropic.messages.create',
      'contract-reviewer',
    ]);

    // claude-haiku-4-5: $1 per million input, $1.25 cache write, $5 output:
    //   call 1: 900 × 1 / 1e6 = 0.0009 + 60 × 5 / 1e6 = 0.0003 → 0.0012
    //   call 2: 400 × 1 / 1e6 = 0.0004 + 1600 × 1.25 / 1e6 = 0.002 + 90 × 5 / 1e6 = 0.00045
    //           → 0.00285
    //   together 0.00405 (the agent and the two wrapper spans add nothing)
    const rows = await backend.calls(spans);
    expect(
      rows.map((r) => [
        r.span,
        r.input_tokens,
        r.cache_write_tokens,
        r.output_tokens,
        r.total_cost,
      ]),
    ).toEqual([
      ['anthropic.messages.create', 900, 0, 60, '0.0012'],
      ['anthropic.messages.create', 400, 1600, 90, '0.00285'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.00405');
  });

  it('bills a call once when its two reports arrive in separate requests', async () => {
    // Each span exported alone as it ends (SimpleSpanProcessor; with BatchSpanProcessor the same
    // happens whenever a batch boundary falls between the two). The instrumentation ends its span
    // before the SDK ends its own, so the wrapper arrives first, before the collector has seen the
    // call span under it.
    const simple = createTracing(backend, { service: 'openinference-anthropic-simple' });
    instrumentation.setTracerProvider(simple.provider);
    try {
      const client = new Anthropic({
        apiKey: 'sk-ant-test',
        baseURL: backend.fake.anthropicBaseUrl,
        maxRetries: 0,
        openTelemetry: { tracerProvider: simple.provider },
      });
      backend.fake.enqueue({ model: 'claude-haiku-4-5-20251001', usage: cachedUsage });
      await client.messages.create(request);
      const spans = await simple.take();
      expect(spans.map((s) => s.name)).toEqual(['Anthropic Messages', 'anthropic.messages.create']);

      // One call, billed once: 0.01156 (the wrapper billed as well makes it 0.02312). Apart, the
      // report that arrives first is billed (a stored row cannot be taken back from the rollup),
      // here the instrumentation's, with the same tokens and cost.
      expect(await backend.totalCost(spans)).toBe('0.01156');
      expect(await backend.calls(spans)).toEqual([{ ...cachedCall, span: 'Anthropic Messages' }]);
    } finally {
      instrumentation.setTracerProvider(tracing.provider);
      await simple.shutdown();
    }
  });
});
