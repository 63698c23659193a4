/**
 * The Vercel AI SDK v6 (`ai` 6.x with @ai-sdk/openai and @ai-sdk/anthropic) with
 * `experimental_telemetry`. Each model request is an INTERNAL `ai.generateText.doGenerate` /
 * `ai.streamText.doStream` span under an outer `ai.generateText` / `ai.streamText` span that
 * repeats (or, over several steps, sums) the same `ai.usage.*`: only the inner spans are calls.
 * Usage is complete for both providers: uncached input as `noCacheTokens`, cache reads and writes,
 * reasoning.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import {
  APICallError,
  generateText,
  stepCountIs,
  streamText,
  type TelemetrySettings,
  tool,
} from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Backend, startBackend, startTracing, type Tracing } from './harness.ts';

let backend: Backend;
let tracing: Tracing;
let openai: ReturnType<typeof createOpenAI>;
let anthropic: ReturnType<typeof createAnthropic>;

beforeAll(async () => {
  backend = await startBackend();
  tracing = startTracing(backend, { service: 'ai-sdk', global: false });
  openai = createOpenAI({ apiKey: 'sk-test', baseURL: backend.fake.openaiBaseUrl });
  anthropic = createAnthropic({
    apiKey: 'sk-ant-test',
    baseURL: `${backend.fake.url}/v1`,
  });
});

afterAll(async () => {
  await tracing.shutdown();
  await backend.close();
});

beforeEach(() => backend.fake.reset());

/** Telemetry as an app turns it on; the tracer is named `ai`, as the SDK's default one is. */
function telemetry(metadata: Record<string, string> = {}): TelemetrySettings {
  return {
    isEnabled: true,
    functionId: 'trip-planner',
    metadata,
    tracer: tracing.provider.getTracer('ai'),
  };
}

const prompt = 'Plan a day in Paris.';
// No retries: a scripted 500 must be one request, as the test scripts one reply.
const maxRetries = 0;

describe('Vercel AI SDK v6, OpenAI provider', () => {
  it('prices cached prompt tokens (Chat Completions) at the cache-read price', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 1200, cacheRead: 800, output: 150 },
    });
    await generateText({
      model: openai.chat('gpt-4o'),
      prompt,
      maxRetries,
      experimental_telemetry: telemetry(),
    });
    const spans = await tracing.take();

    // The outer span repeats the usage: two reports of one request.
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['ai.usage.inputTokens'],
        s.attributes['ai.usage.inputTokenDetails.noCacheTokens'],
      ]),
    ).toEqual([
      ['ai.generateText.doGenerate', 2000, 1200],
      ['ai.generateText', 2000, 1200],
    ]);

    // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
    //   input 1200 × 2.50 / 1e6 = 0.003; cache read 800 × 1.25 / 1e6 = 0.001;
    //   output 150 × 10 / 1e6 = 0.0015; total 0.0055
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.generateText.doGenerate',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
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

  it('counts reasoning tokens (Responses API) as part of the output', async () => {
    backend.fake.enqueue({
      model: 'o4-mini-2025-04-16',
      usage: { uncachedInput: 2500, cacheRead: 1000, output: 4000, reasoning: 3000 },
    });
    await generateText({
      model: openai('o4-mini'),
      prompt,
      maxRetries,
      experimental_telemetry: telemetry(),
    });
    expect(backend.fake.requests.map((r) => r.path)).toEqual(['/v1/responses']);
    const spans = await tracing.take();

    // o4-mini: $1.10 per million input, $0.275 cached input, $4.40 output (reasoning included):
    //   input 2500 × 1.10 / 1e6 = 0.00275; cache read 1000 × 0.275 / 1e6 = 0.000275;
    //   output 4000 × 4.40 / 1e6 = 0.0176; total 0.020625
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.generateText.doGenerate',
        provider: 'openai',
        operation: 'chat',
        request_model: 'o4-mini',
        response_model: 'o4-mini-2025-04-16',
        input_tokens: 2500,
        cache_read_tokens: 1000,
        cache_write_tokens: 0,
        output_tokens: 4000,
        reasoning_tokens: 3000,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.020625',
      },
    ]);
  });

  it('stores the full usage of a stream', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
    });
    const result = streamText({
      model: openai.chat('gpt-4o'),
      prompt,
      maxRetries,
      experimental_telemetry: telemetry(),
    });
    await result.consumeStream();
    expect((await result.usage).outputTokens).toBe(400);
    const spans = await tracing.take();
    expect(spans.map((s) => s.name)).toEqual(['ai.streamText.doStream', 'ai.streamText']);

    // gpt-4o: 3000 × 2.50 = 0.0075, 1000 × 1.25 = 0.00125, 400 × 10 = 0.004 (each / 1e6);
    //   total 0.01275
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.streamText.doStream',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 3000,
        cache_read_tokens: 1000,
        cache_write_tokens: 0,
        output_tokens: 400,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01275',
      },
    ]);
  });

  it('stores a failed call once, as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(
      generateText({
        model: openai.chat('gpt-4o'),
        prompt,
        maxRetries,
        experimental_telemetry: telemetry(),
      }),
    ).rejects.toThrow(APICallError);
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.status])).toEqual([
      ['ai.generateText.doGenerate', 'ERROR'],
      ['ai.generateText', 'ERROR'],
    ]);

    // The error type comes from the `exception` event (the SDK sets no error.type).
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.generateText.doGenerate',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: '',
        input_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'error',
        error_type: 'AI_APICallError',
        total_cost: '0',
      },
    ]);
  });

  it('bills a tool-using generateText as its two model calls, with the metadata', async () => {
    backend.fake.enqueue(
      {
        model: 'gpt-4o-2024-08-06',
        toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }],
        usage: { uncachedInput: 1000, output: 50 },
      },
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 700, cacheRead: 500, output: 100 } },
    );
    const result = await generateText({
      model: openai.chat('gpt-4o'),
      prompt,
      tools: {
        weather: tool({
          description: 'Current weather in a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => `Sunny in ${city}`,
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries,
      experimental_telemetry: telemetry({ agent: 'planner', userId: 'u-42', feature: 'itinerary' }),
    });
    expect(result.steps).toHaveLength(2);
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.attributes['ai.usage.inputTokens']])).toEqual([
      ['ai.generateText.doGenerate', 1000],
      ['ai.toolCall', undefined],
      ['ai.generateText.doGenerate', 1200],
      // The outer span sums both steps.
      ['ai.generateText', 2200],
    ]);

    // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
    //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
    //   call 2: 700 × 2.50 / 1e6 = 0.00175 + 500 × 1.25 / 1e6 = 0.000625
    //           + 100 × 10 / 1e6 = 0.001 → 0.003375
    //   together 0.006375; billing the outer span too would double it
    const rows = await backend.calls(spans);
    expect(
      rows.map((r) => [r.span, r.input_tokens, r.cache_read_tokens, r.output_tokens, r.total_cost]),
    ).toEqual([
      ['ai.generateText.doGenerate', 1000, 0, 50, '0.003'],
      ['ai.generateText.doGenerate', 700, 500, 100, '0.003375'],
    ]);
    expect(await backend.totalCost(spans)).toBe('0.006375');
    // The telemetry metadata is on every span, so each call is attributed.
    const attribution = { agent: 'planner', user_id: 'u-42', feature: 'itinerary', session_id: '' };
    expect(await backend.attribution(spans)).toEqual([attribution, attribution]);
  });
});

describe('Vercel AI SDK v6, Anthropic provider', () => {
  it('stores cache reads and writes apart from the uncached input', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 2500, cacheRead: 20000, cacheWrite: 3000, output: 400 },
    });
    await generateText({
      model: anthropic('claude-haiku-4-5'),
      prompt,
      maxRetries,
      experimental_telemetry: telemetry(),
    });
    const spans = await tracing.take();
    expect(spans.map((s) => [s.name, s.attributes['ai.usage.inputTokens']])).toEqual([
      ['ai.generateText.doGenerate', 25500],
      ['ai.generateText', 25500],
    ]);

    // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
    //   input 2500 × 1 / 1e6 = 0.0025; cache read 20000 × 0.10 / 1e6 = 0.002;
    //   cache write 3000 × 1.25 / 1e6 = 0.00375; output 400 × 5 / 1e6 = 0.002
    //   total 0.01025
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.generateText.doGenerate',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 2500,
        cache_read_tokens: 20000,
        cache_write_tokens: 3000,
        output_tokens: 400,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01025',
      },
    ]);
  });

  it('stores the full usage of a stream', async () => {
    backend.fake.enqueue({
      model: 'claude-haiku-4-5-20251001',
      usage: { uncachedInput: 800, cacheRead: 6000, cacheWrite: 1200, output: 350 },
    });
    const result = streamText({
      model: anthropic('claude-haiku-4-5'),
      prompt,
      maxRetries,
      experimental_telemetry: telemetry(),
    });
    await result.consumeStream();
    expect((await result.usage).outputTokens).toBe(350);
    const spans = await tracing.take();

    // claude-haiku-4-5: 800 × 1 = 0.0008, 6000 × 0.10 = 0.0006, 1200 × 1.25 = 0.0015,
    //   350 × 5 = 0.00175 (each / 1e6); total 0.00465
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'ai.streamText.doStream',
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 800,
        cache_read_tokens: 6000,
        cache_write_tokens: 1200,
        output_tokens: 350,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.00465',
      },
    ]);
  });

  it('stores a failed call once, as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    await expect(
      generateText({
        model: anthropic('claude-haiku-4-5'),
        prompt,
        maxRetries,
        experimental_telemetry: telemetry(),
      }),
    ).rejects.toThrow(APICallError);
    const spans = await tracing.take();

    const rows = await backend.calls(spans);
    expect(
      rows.map((r) => [r.span, r.status, r.error_type, r.usage_missing, r.total_cost]),
    ).toEqual([['ai.generateText.doGenerate', 'error', 'AI_APICallError', false, '0']]);
  });
});
