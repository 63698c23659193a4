import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEXT } from './reply-content.ts';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';

let fake: FakeLlm;
let openai: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const user = (content: string) => [{ role: 'user' as const, content }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('POST /v1/chat/completions', () => {
  it('reports scripted usage with cached and reasoning tokens, model and text', async () => {
    fake.enqueue({
      model: 'gpt-4o-2024-08-06',
      text: 'Paris.',
      usage: { uncachedInput: 20, cacheRead: 100, output: 30, reasoning: 12 },
    });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Capital of France?'),
    });

    expect(completion.model).toBe('gpt-4o-2024-08-06');
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Paris.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
  });

  it('folds cache writes into prompt_tokens, since OpenAI has no cache-write count', async () => {
    fake.enqueue({ usage: { uncachedInput: 5, cacheRead: 7, cacheWrite: 11, output: 3 } });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('x'),
    });
    expect(completion.usage?.prompt_tokens).toBe(23);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(7);
    expect(completion.usage?.total_tokens).toBe(26);
  });

  it('derives usage from the request and echoes the model when nothing is scripted', async () => {
    // 40 characters of message text and 16 of system text: 56 / 4 = 14 prompt tokens.
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 's'.repeat(16) },
        { role: 'user', content: 'u'.repeat(40) },
      ],
    });
    expect(completion.model).toBe('gpt-4o-mini');
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_TEXT);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 14,
      completion_tokens: Math.ceil(DEFAULT_TEXT.length / 4),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('returns tool calls with null content and finish_reason tool_calls', async () => {
    fake.enqueue({
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: 'call_1' }],
    });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Weather in Oslo?'),
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      ],
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
    ]);
  });

  it('sends the scripted finish reason verbatim', async () => {
    fake.enqueue({ finishReason: 'length', text: 'Once upon a' });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('x'),
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('streams chunks whose text reassembles, with a final usage chunk when include_usage is set', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    fake.enqueue({
      model: 'gpt-4o-2024-11-20',
      text,
      usage: { uncachedInput: 8, cacheRead: 64, output: 11, reasoning: 2 },
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Say the pangram'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({
      prompt_tokens: 72,
      completion_tokens: 11,
      total_tokens: 83,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    const body = chunks.slice(0, -1);
    expect(body.length).toBeGreaterThan(3);
    expect(body.every((chunk) => chunk.usage === null)).toBe(true);
    expect(body.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(text);
    expect(body[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(body.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(new Set(chunks.map((chunk) => chunk.model))).toEqual(new Set(['gpt-4o-2024-11-20']));
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('streams no usage at all without include_usage', async () => {
    fake.enqueue({ text: 'Hello there, friend.' });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Hi'),
      stream: true,
    });
    const chunks = await collect(stream);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'Hello there, friend.',
    );
  });

  it('streams tool calls that the SDK stream helper reassembles', async () => {
    const args = { city: 'Reykjavik', unit: 'celsius', days: [1, 2, 3] };
    fake.enqueue({ text: 'Checking.', toolCalls: [{ name: 'forecast', arguments: args }] });
    const stream = openai.chat.completions.stream({
      model: 'gpt-4o',
      messages: user('Forecast?'),
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]?.message;
    expect(message?.content).toBe('Checking.');
    expect(message?.tool_calls).toHaveLength(1);
    const call = message?.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('forecast');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(args);
    expect(call?.id).toMatch(/^call_/);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.completion_tokens).toBe(
      Math.ceil(('Checking.'.length + 'forecast'.length + JSON.stringify(args).length) / 4),
    );
  });
});
