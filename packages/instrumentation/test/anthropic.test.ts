import AnthropicV1 from '@anthropic-ai/sdk';
import AnthropicV0 from '@anthropic-ai/sdk-v0';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestHash } from '../src/request-hash.ts';
import { setupTracing } from './setup.ts';

const tracing = setupTracing();
let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  tracing.reset();
});

function onlyCallSpan(): ReadableSpan {
  const spans = tracing.callSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

/** Every input kind distinct, so a swapped or dropped field shows. */
const USAGE = {
  uncachedInput: 120,
  cacheRead: 2048,
  cacheWrite: 300,
  // Of the 300 writes, 100 to the 1-hour cache (usage.cache_creation).
  cacheWrite1h: 100,
  output: 45,
  reasoning: 20,
};
const INCLUSIVE_INPUT = 120 + 2048 + 300;
const SYSTEM = [{ type: 'text' as const, text: 'You are a careful assistant.' }];
const TOOLS = [{ name: 'lookup', input_schema: { type: 'object' as const, properties: {} } }];

type Options = { apiKey: string; baseURL: string; maxRetries: number };

describe.each<[string, (options: Options) => AnthropicV1]>([
  ['anthropic 1.x', (options) => new AnthropicV1(options)],
  // 0.x has the same Messages surface; typed as 1.x so one test body runs against both.
  ['anthropic 0.x', (options) => new AnthropicV0(options) as unknown as AnthropicV1],
])('%s', (_label, create) => {
  // The SDK's own spans stay on (the 1.x default): the instrumentation must replace them.
  const client = () => create({ apiKey: 'test', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });

  it('records messages.create with input inclusive of cache reads and writes', async () => {
    fake.enqueue({ model: 'claude-haiku-4-5-20251001', usage: USAGE });
    const message = await client().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: SYSTEM,
      tools: TOOLS,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const span = onlyCallSpan();
    expect(span.name).toBe('chat claude-haiku-4-5');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-haiku-4-5',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.response.model': 'claude-haiku-4-5-20251001',
      'gen_ai.response.id': message.id,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': INCLUSIVE_INPUT,
      'gen_ai.usage.cache_read.input_tokens': 2048,
      'gen_ai.usage.cache_write.input_tokens': 300,
      'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': 100,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.usage.reasoning.output_tokens': 20,
    });
    expect(span.attributes['tokenwatch.prefix_hash']).toMatch(/^[0-9a-f]{32}$/);
    // The hash of the whole body the provider received.
    expect(span.attributes['tokenwatch.request_hash']).toBe(requestHash(fake.requests[0]!.body!));
    // The 1.x SDK's own span for this call is not there: one report per call.
    expect(tracing.spans()).toHaveLength(1);
  });

  it('records a raw stream (stream: true) without double counting message_delta', async () => {
    fake.enqueue({ usage: USAGE, text: 'streamed reply' });
    const stream = await client().messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text += event.delta.text;
      }
    }
    expect(text).toBe('streamed reply');
    const span = onlyCallSpan();
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': INCLUSIVE_INPUT,
      'gen_ai.usage.cache_read.input_tokens': 2048,
      'gen_ai.usage.cache_write.input_tokens': 300,
      'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': 100,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
  });

  it('records messages.stream() once, through create', async () => {
    fake.enqueue({ usage: USAGE, text: 'helper reply' });
    const stream = client().messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'helper reply' });
    const span = onlyCallSpan();
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': INCLUSIVE_INPUT,
      'gen_ai.usage.output_tokens': 45,
    });
    // No other span of any scope reports this call.
    expect(tracing.spans()).toHaveLength(1);
  });

  it('gives count_tokens no call span', async () => {
    const counted = await client().messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(tracing.spans()).toEqual([]);
  });

  it('marks a failed call with error.type and ERROR status, and rethrows', async () => {
    fake.enqueue({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } });
    await expect(
      client().messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toThrow(/Overloaded/);
    const span = onlyCallSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toMatch(/Error$/);
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });
});

describe('the 1.x SDK spans', () => {
  const client = () =>
    new AnthropicV1({ apiKey: 'test', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
  const sdkSpans = () =>
    tracing.spans().filter((s) => s.instrumentationScope.name === 'com.anthropic.sdk.typescript');
  const request = {
    model: 'claude-haiku-4-5',
    max_tokens: 10,
    messages: [{ role: 'user' as const, content: 'Hi' }],
  };

  it('are emitted by the SDK in this setup when Tokenwatch is off (control)', async () => {
    tracing.anthropic.disable();
    try {
      await client().messages.create(request);
    } finally {
      tracing.anthropic.enable();
    }
    expect(sdkSpans().map((s) => s.name)).toEqual(['anthropic.messages.create']);
    expect(tracing.callSpans()).toEqual([]);
  });

  it('are replaced: each call is reported once, by Tokenwatch', async () => {
    const anthropic = client();
    await anthropic.messages.create(request);
    await anthropic.messages.stream(request).finalMessage();
    await anthropic.messages.countTokens({ model: request.model, messages: request.messages });
    expect(sdkSpans()).toEqual([]);
    expect(tracing.callSpans()).toHaveLength(2);
    // The application's client keeps its settings: only the calls Tokenwatch makes are quiet.
    expect(anthropic.openTelemetry.traces.enabled).toBe(true);
  });
});
