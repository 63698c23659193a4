/**
 * The OpenTelemetry contrib OpenAI instrumentation (@opentelemetry/instrumentation-openai 0.21.0)
 * on openai 6.x. It has no manual API, so each scenario runs in a child `node` process that
 * registers it the documented way (apps/otel-openai-app.cjs). One CLIENT `chat <model>` span per
 * call: `gen_ai.usage.input_tokens` is prompt_tokens (uncached + cached) with no cache split and no
 * reasoning count; streams with `include_usage` do get usage.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, type Backend, type ExportedSpan, startBackend } from './harness.ts';

const APP = fileURLToPath(new URL('./apps/otel-openai-app.cjs', import.meta.url));
const run = promisify(execFile);

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend();
});

afterAll(async () => {
  await backend.close();
});

beforeEach(() => backend.fake.reset());

type AppOutput = { spans: ExportedSpan[]; error: string | null };

/**
 * Runs one scenario of the app. Asynchronously: the collector and the fake answer it from this
 * process's event loop.
 */
async function runApp(scenario: string): Promise<AppOutput> {
  const { stdout } = await run(process.execPath, [APP, scenario], {
    // A clean environment: nothing of vitest's or the user's OTEL_* / OPENAI_* settings leaks in.
    env: {
      PATH: process.env.PATH ?? '',
      TW_COLLECTOR_URL: backend.collectorUrl,
      TW_API_KEY: API_KEY,
      TW_OPENAI_BASE_URL: backend.fake.openaiBaseUrl,
      TW_SERVICE: `otel-openai-${scenario}`,
    },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as AppOutput;
}

describe('OpenTelemetry contrib OpenAI', () => {
  it('bills cached prompt tokens as uncached input (the emitter drops the split)', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 5000, cacheRead: 3000, output: 250 },
    });
    const { spans, error } = await runApp('cached');
    expect(error).toBeNull();

    // What the emitter sent: prompt_tokens (U + C) as input, and nothing about the cache.
    expect(spans.map((s) => [s.name, s.scope])).toEqual([
      ['chat gpt-4o', '@opentelemetry/instrumentation-openai'],
    ]);
    expect(spans[0]!.attributes['gen_ai.usage.input_tokens']).toBe(8000);
    expect(Object.keys(spans[0]!.attributes).filter((k) => k.includes('cache'))).toEqual([]);

    // Tokenwatch cannot know that 3000 of the 8000 were cached, so it prices all 8000 as input.
    // gpt-4o: $2.50 per million input, $10 output (cached would be $1.25):
    //   input 8000 × 2.50 / 1e6 = 0.02; output 250 × 10 / 1e6 = 0.0025; total 0.0225
    //   (the real bill is 0.01875: 5000 × 2.50 + 3000 × 1.25 + 250 × 10, over 1e6)
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat gpt-4o',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 8000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 250,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.0225',
      },
    ]);
  });

  it('keeps reasoning inside output, with no reasoning count (the emitter has none)', async () => {
    backend.fake.enqueue({
      model: 'o4-mini-2025-04-16',
      usage: { uncachedInput: 1800, output: 2600, reasoning: 2000 },
    });
    const { spans } = await runApp('reasoning');

    // o4-mini: $1.10 per million input, $4.40 output; reasoning is billed as output:
    //   input 1800 × 1.10 / 1e6 = 0.00198; output 2600 × 4.40 / 1e6 = 0.01144; total 0.01342
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat o4-mini',
        provider: 'openai',
        operation: 'chat',
        request_model: 'o4-mini',
        response_model: 'o4-mini-2025-04-16',
        input_tokens: 1800,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 2600,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.01342',
      },
    ]);
  });

  it('stores the usage of a stream that asked for it', async () => {
    backend.fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
    });
    const { spans } = await runApp('stream');

    // Usage from the include_usage chunk, with the same lost cache split:
    //   input 4000 × 2.50 / 1e6 = 0.01; output 400 × 10 / 1e6 = 0.004; total 0.014
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat gpt-4o',
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 4000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 400,
        reasoning_tokens: 0,
        usage_missing: false,
        status: 'ok',
        error_type: '',
        total_cost: '0.014',
      },
    ]);
  });

  it('stores a failed call as an error that cost nothing', async () => {
    backend.fake.enqueue({ error: { status: 500 } });
    const { spans, error } = await runApp('error');
    expect(error).toBe('InternalServerError');
    expect(spans.map((s) => [s.status, s.attributes['error.type']])).toEqual([
      ['ERROR', 'InternalServerError'],
    ]);

    // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
    expect(await backend.calls(spans)).toEqual([
      {
        span: 'chat gpt-4o',
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
        error_type: 'InternalServerError',
        total_cost: '0',
      },
    ]);
  });

  it('bills two calls under an agent span with their summed usage once each', async () => {
    backend.fake.enqueue(
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, output: 100 } },
    );
    const { spans } = await runApp('agent');
    expect(spans.map((s) => [s.name, s.attributes['gen_ai.usage.input_tokens']])).toEqual([
      ['chat gpt-4o', 1000],
      ['chat gpt-4o', 1200],
      ['invoke_agent trip-planner', 2200],
    ]);

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
