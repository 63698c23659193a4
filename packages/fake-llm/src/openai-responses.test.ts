import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
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

describe('POST /v1/responses', () => {
  it('returns a response whose usage has cached and reasoning details', async () => {
    fake.enqueue({
      model: 'o4-mini-2025-04-16',
      text: 'Forty-two.',
      usage: { uncachedInput: 30, cacheRead: 1024, output: 200, reasoning: 150 },
    });
    const response = await openai.responses.create({
      model: 'o4-mini',
      input: 'What is the answer?',
      instructions: 'Be brief.',
    });

    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.model).toBe('o4-mini-2025-04-16');
    expect(response.output_text).toBe('Forty-two.');
    expect(response.instructions).toBe('Be brief.');
    expect(response.usage).toEqual({
      input_tokens: 1054,
      input_tokens_details: { cached_tokens: 1024 },
      output_tokens: 200,
      output_tokens_details: { reasoning_tokens: 150 },
      total_tokens: 1254,
    });
    // Reasoning models list a reasoning item before the message.
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
  });

  it('estimates usage from input and instructions when nothing is scripted', async () => {
    const response = await openai.responses.create({
      model: 'gpt-4.1',
      instructions: 'i'.repeat(8),
      input: [{ role: 'user', content: 'c'.repeat(32) }],
    });
    expect(response.model).toBe('gpt-4.1');
    expect(response.output_text).toBe(DEFAULT_TEXT);
    expect(response.usage?.input_tokens).toBe(10);
    expect(response.usage?.output_tokens).toBe(Math.ceil(DEFAULT_TEXT.length / 4));
    expect(response.output.map((item) => item.type)).toEqual(['message']);
  });

  it('returns function calls as output items', async () => {
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 7 }, id: 'call_abc' }] });
    const response = await openai.responses.create({ model: 'gpt-4.1', input: 'Look up 7' });
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({
      type: 'function_call',
      name: 'lookup',
      call_id: 'call_abc',
      arguments: '{"id":7}',
      status: 'completed',
    });
    expect(response.output_text).toBe('');
  });

  it('marks a length-limited reply incomplete', async () => {
    fake.enqueue({ finishReason: 'length', text: 'Once upon' });
    const response = await openai.responses.create({ model: 'gpt-4.1', input: 'Tell a story' });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('streams the Responses event sequence ending in response.completed with usage', async () => {
    const text = 'Streaming works fine.';
    fake.enqueue({ text, usage: { uncachedInput: 4, cacheRead: 96, output: 9, reasoning: 3 } });
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Go', stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((event) => event.type);
    expect(types.slice(0, 5)).toEqual([
      'response.created',
      'response.in_progress',
      // The reasoning item comes first because reasoning tokens were scripted.
      'response.output_item.added',
      'response.output_item.done',
      'response.output_item.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));

    const deltas = events.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    );
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(text);

    const created = events[0];
    expect(created?.type === 'response.created' && created.response.usage).toBeNull();
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.usage).toEqual({
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 96 },
      output_tokens: 9,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 109,
    });
  });

  it('streams events that the SDK stream helper assembles into the final response', async () => {
    fake.enqueue({
      model: 'gpt-4.1-2025-04-14',
      text: 'Calling a tool now.',
      toolCalls: [{ name: 'search', arguments: { query: 'fake llm servers', limit: 5 } }],
    });
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'Search please' });
    const final = await stream.finalResponse();
    expect(final.model).toBe('gpt-4.1-2025-04-14');
    expect(final.output_text).toBe('Calling a tool now.');
    const call = final.output.find((item) => item.type === 'function_call');
    expect(call?.type === 'function_call' && JSON.parse(call.arguments)).toEqual({
      query: 'fake llm servers',
      limit: 5,
    });
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('ends a length-limited stream with response.incomplete', async () => {
    fake.enqueue({ finishReason: 'max_output_tokens', text: 'Cut' });
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Go', stream: true });
    let last: ResponseStreamEvent | undefined;
    for await (const event of stream) last = event;
    expect(last?.type).toBe('response.incomplete');
    expect(last?.type === 'response.incomplete' && last.response.usage?.output_tokens).toBe(1);
  });
});
