import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAIV6, * as OpenAIV6Module from 'openai';
import OpenAIV5 from 'openai-v5';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/openai-instrumentation.ts';
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

const SYSTEM = 'You are a terse assistant.';
const TOOLS = [
  {
    type: 'function' as const,
    function: { name: 'lookup', parameters: { type: 'object', properties: {} } },
  },
];

type Options = { apiKey: string; baseURL: string; maxRetries: number };

describe.each<[string, (options: Options) => OpenAIV6]>([
  ['openai 6', (options) => new OpenAIV6(options)],
  // openai 5 has the same call surface; typed as 6 so one test body runs against both.
  ['openai 5', (options) => new OpenAIV5(options) as unknown as OpenAIV6],
])('%s', (_label, create) => {
  const client = () => create({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });

  it('records a chat completion with inclusive input, cache reads and reasoning', async () => {
    fake.enqueue({
      model: 'o4-mini-2025-04-16',
      usage: { uncachedInput: 1200, cacheRead: 800, output: 300, reasoning: 120 },
    });
    const completion = await client().chat.completions.create({
      model: 'o4-mini',
      max_completion_tokens: 500,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hi' },
      ],
      tools: TOOLS,
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');

    const span = onlyCallSpan();
    expect(span.name).toBe('chat o4-mini');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.request.max_tokens': 500,
      'gen_ai.response.model': 'o4-mini-2025-04-16',
      'gen_ai.response.finish_reasons': ['stop'],
      // prompt_tokens = U + C: the convention's input already includes cache reads.
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.cache_read.input_tokens': 800,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.reasoning.output_tokens': 120,
      'server.address': '127.0.0.1',
      'server.port': fake.port,
    });
    expect(span.attributes['gen_ai.usage.cache_write.input_tokens']).toBeUndefined();
    expect(span.attributes['gen_ai.response.id']).toBe(completion.id);
    // Content capture is off by default.
    expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
    expect(span.attributes['tokenwatch.prefix_hash']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('hashes the system prompt and tools, not the conversation', async () => {
    const ask = (system: string, user: string) =>
      client().chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        tools: TOOLS,
      });
    await ask(SYSTEM, 'first question');
    await ask(SYSTEM, 'a different question');
    await ask(`${SYSTEM} Today is Monday.`, 'first question');
    const hashes = tracing.callSpans().map((span) => span.attributes['tokenwatch.prefix_hash']);
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
    // The hash never carries the content.
    expect(JSON.stringify(tracing.callSpans().map((s) => s.attributes))).not.toContain('terse');
  });

  it('hashes the whole request sent: a resend shares its hash, another question does not', async () => {
    const ask = (question: string) =>
      client().chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: question },
        ],
        tools: TOOLS,
      });
    // Same length and prefix: the prompt sizes the provider reports are the same.
    await ask('Where is my invoice?');
    await ask('Where is my invoice?');
    await ask('Why was I charged 2x');
    const hashes = tracing.callSpans().map((span) => span.attributes['tokenwatch.request_hash']);
    expect(hashes[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(hashes[1]).toBe(hashes[0]);
    expect(hashes[2]).not.toBe(hashes[0]);
    // The hash of the body the provider received.
    expect(hashes).toEqual(fake.requests.map((r) => requestHash(r.body!)));
    expect(JSON.stringify(tracing.callSpans().map((s) => s.attributes))).not.toContain('invoice');
  });

  it('records usage of a stream that asks for it, and passes every chunk through', async () => {
    fake.enqueue({ usage: { uncachedInput: 40, cacheRead: 60, output: 25 }, text: 'Hello there' });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello there');
    expect(chunks).toBeGreaterThan(2);
    const span = onlyCallSpan();
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.cache_read.input_tokens': 60,
      'gen_ai.usage.output_tokens': 25,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.model': 'gpt-4o',
    });
  });

  it('does not add include_usage to the request unless configured', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    expect(fake.requests[0]?.body?.stream_options).toBeUndefined();
    const span = onlyCallSpan();
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('ends the span of a stream the reader abandons', async () => {
    fake.enqueue({ text: 'one two three four five six seven eight' });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
    });
    for await (const _ of stream) break;
    const span = onlyCallSpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.ended).toBe(true);
  });

  it('records a Responses API call, streamed and not', async () => {
    fake.enqueue(
      {
        model: 'gpt-4o-2024-08-06',
        usage: { uncachedInput: 300, cacheRead: 100, output: 50, reasoning: 10 },
      },
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 30, cacheRead: 0, output: 5 } },
    );
    const response = await client().responses.create({
      model: 'gpt-4o',
      instructions: SYSTEM,
      input: 'Hello',
      max_output_tokens: 64,
    });
    expect(response.status).toBe('completed');
    const stream = await client().responses.create({ model: 'gpt-4o', input: 'Hi', stream: true });
    for await (const _ of stream) {
      // drain
    }
    const [plain, streamed] = tracing.callSpans();
    expect(plain?.name).toBe('chat gpt-4o');
    expect(plain?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': response.id,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 400,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.output_tokens': 50,
      'gen_ai.usage.reasoning.output_tokens': 10,
    });
    expect(plain?.attributes['tokenwatch.prefix_hash']).toMatch(/^[0-9a-f]{32}$/);
    expect(streamed?.attributes).toMatchObject({
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 5,
    });
  });

  it('records the SDK stream helpers once, through create', async () => {
    fake.enqueue(
      { usage: { uncachedInput: 9, output: 4 }, text: 'helper' },
      { usage: { uncachedInput: 8, output: 3 }, text: 'responses helper' },
    );
    const chat = await client()
      .chat.completions.stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    expect(chat.choices[0]?.message.content).toBe('helper');
    const response = await client()
      .responses.stream({ model: 'gpt-4o', input: 'Hi' })
      .finalResponse();
    // openai 5 does not fill output_text on streamed responses: read the message item.
    expect(JSON.stringify(response.output)).toContain('"text":"responses helper"');
    expect(
      tracing
        .callSpans()
        .map((span) => [
          span.attributes['gen_ai.usage.input_tokens'],
          span.attributes['gen_ai.usage.output_tokens'],
        ]),
    ).toEqual([
      [9, 4],
      [8, 3],
    ]);
  });

  it('records embeddings with input tokens only', async () => {
    fake.enqueue({ usage: { uncachedInput: 7 } });
    await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' });
    const span = onlyCallSpan();
    expect(span.name).toBe('embeddings text-embedding-3-small');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.usage.input_tokens': 7,
    });
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  it('marks a failed call with error.type and ERROR status, and rethrows', async () => {
    fake.enqueue({ error: { status: 500, message: 'boom' } });
    await expect(
      client().chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toThrow(/boom/);
    const span = onlyCallSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('InternalServerError');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('keeps the SDK promise helpers: withResponse and the parse helper', async () => {
    fake.enqueue({ usage: { uncachedInput: 5, output: 3 } }, { text: '{"a":1}' });
    const { data, response } = await client()
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.usage?.prompt_tokens).toBe(5);
    const parsed = await client().chat.completions.parse({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'json please' }],
    });
    expect(parsed.choices[0]?.message.content).toBe('{"a":1}');
    expect(tracing.callSpans()).toHaveLength(2);
  });
});

describe('content capture', () => {
  it('records messages and output only when enabled', async () => {
    // Re-patching replaces the wrapper: this instrumentation now records openai 6 calls.
    new OpenAIInstrumentation({ captureContent: true }).manuallyInstrument(OpenAIV6Module);
    try {
      fake.enqueue({ text: 'Bonjour' });
      const client = new OpenAIV6({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
      await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Say hello in French' }],
      });
      const span = onlyCallSpan();
      expect(span.attributes['gen_ai.input.messages']).toBe(
        JSON.stringify([{ role: 'user', content: 'Say hello in French' }]),
      );
      expect(span.attributes['gen_ai.output.messages']).toBe(
        JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Bonjour' }] }]),
      );
    } finally {
      tracing.openai.manuallyInstrument(OpenAIV6Module);
    }
  });
});
