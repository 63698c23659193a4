/**
 * OpenLLMetry's Anthropic instrumentation (@traceloop/instrumentation-anthropic 0.27.0). It patches
 * `Anthropic.Completions`, which @anthropic-ai/sdk 1.x removed, so it runs on the 0.x SDK (0.99.0,
 * installed as `@anthropic-ai/sdk-v0`). Its `gen_ai.usage.input_tokens` is Anthropic's raw,
 * uncached `input_tokens`, unlike every other emitter that uses the name: only the scope tells.
 */
import * as anthropicV0 from '@anthropic-ai/sdk-v0';
import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  startBackend,
  startTracing,
  type Tracing,
  withAgentSpan,
} from './harness.ts';

const Anthropic = anthropicV0.default;

let backend: Backend;
let tracing: Tracing;
let anthropic: InstanceType<typeof Anthropic>;

beforeAll(async () => {
  backend = await startBackend();
  tracing = startTracing(backend, { service: 'traceloop-anthropic', global: false });
  const instrumentation = new AnthropicInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  // Its types name whichever @anthropic-ai/sdk resolves (1.x here); its code needs the 0.x module.
  type SdkModule = Parameters<AnthropicInstrumentation['manuallyInstrument']>[0];
  instrumentation.manuallyInstrument(anthropicV0 as unknown as SdkModule);
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

describe('OpenLLMetry Anthropic', () => {
  it('stores cache reads and writes apart from the uncached input', async () => {
    // Uncached input above cache read + write on purpose: read as inclusive (as the attribute name
    // says), the input would come out as 6000 − 4000 − 1000 = 1000 and nothing would look wrong.
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 6000, cacheRead: 4000, cacheWrite: 1000, output: 700 },
    });
    await anthropic.messages.create(request);
    const spans = await tracing.take();

    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 6000,
      'gen_ai.usage.cache_read.input_tokens': 4000,
      'gen_ai.usage.cache_creation.input_tokens': 1000,
    });

    // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
    //   input 6000 × 1 / 1e6 = 0.006; cache read 4000 × 0.10 / 1e6 = 0.0004;
    //   cache write 1000 × 1.25 / 1e6 = 0.00125; output 700 × 5 / 1e6 = 0.0035
    //   total 0.006 + 0.0004 + 0.00125 + 0.0035 = 0.01115
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat claude-haiku-4-5',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 6000,
        cache_read_tokens: 4000,
        cache_write_tokens: 1000,
        output_tokens: 700,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01115',
      },
    ]);
  });

  it('stores the full usage of a stream', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 2000, cacheRead: 1200, cacheWrite: 600, output: 100 },
    });
    const stream = await anthropic.messages.create({ ...request, stream: true });
    let output = 0;
    for await (const event of stream) {
      if (event.type === 'message_delta') output = event.usage.output_tokens;
    }
    expect(output).toBe(100);
    const spans = await tracing.take();

    // claude-haiku-4-5: 2000 × 1 = 0.002, 1200 × 0.10 = 0.00012, 600 × 1.25 = 0.00075,
    //   100 × 5 = 0.0005 (each / 1e6); total 0.00337
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat claude-haiku-4-5',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 2000,
        cache_read_tokens: 1200,
        cache_write_tokens: 600,
        output_tokens: 100,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.00337',
      },
    ]);
  });

  it('stores a failed call as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(anthropic.messages.create(request)).rejects.toThrow(
      anthropicV0.InternalServerError,
    );
    const spans = await tracing.take();
    expect(spans.map((s) => s.status)).toEqual(['ERROR']);

    // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
    // The error type comes from the `exception` event, whose exception.type is the error's `name`:
    // the 0.x SDK's errors keep `Error` there (their class is InternalServerError).
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat claude-haiku-4-5',
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
        error_type: 'Error',
        total_cost: '0',
      },
    ]);
  });

  it('bills two calls under an agent span with their summed usage once each', async () => {
    backend.fake.enqueue(
      { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 1000, output: 50 } },
      { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 1200, output: 100 } },
    );
    await withAgentSpan(
      tracing,
      'invoke_agent contract-reviewer',
      { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'contract-reviewer' },
      async (agent) => {
        let input = 0;
        let output = 0;
        for (let i = 0; i < 2; i++) {
          const message = await anthropic.messages.create(request);
          input += message.usage.input_tokens;
          output += message.usage.output_tokens;
        }
        agent.setAttributes({
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
        });
      },
    );
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.attributes['gen_ai.usage.input_tokens']])).toEqual([
      ['chat claude-haiku-4-5', 1000],
      ['chat claude-haiku-4-5', 1200],
      ['invoke_agent contract-reviewer', 2200],
    ]);

    // claude-haiku-4-5: $1 per million input, $5 output:
    //   call 1: 1000 × 1 / 1e6 = 0.001 + 50 × 5 / 1e6 = 0.00025 → 0.00125
    //   call 2: 1200 × 1 / 1e6 = 0.0012 + 100 × 5 / 1e6 = 0.0005 → 0.0017
    //   together 0.00295
    const rows = await backend.calls(spans);
    expect(rows.map((r) => [r.span, r.input_tokens, r.output_tokens, r.total_cost])).toEqual([
      ['chat claude-haiku-4-5', 1000, 50, '0.00125'],
      ['chat claude-haiku-4-5', 1200, 100, '0.0017'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.00295');
  });
});
