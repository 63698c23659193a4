import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TEXT } from './reply-content.ts';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';

let fake: FakeLlm;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm();
  // openTelemetry: false keeps the SDK's own spans out, whatever tracer provider might exist.
  anthropic = new Anthropic({
    apiKey: 'test',
    baseURL: fake.anthropicBaseUrl,
    maxRetries: 0,
    openTelemetry: false,
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const user = (content: string) => [{ role: 'user' as const, content }];

/** A usage script with every input kind distinct, so a swapped field shows. */
const CACHED = {
  uncachedInput: 12,
  cacheRead: 2048,
  cacheWrite: 300,
  cacheWrite1h: 100,
  output: 45,
};

describe('POST /v1/messages', () => {
  it('reports uncached input, cache reads and writes (with the TTL split) and output', async () => {
    fake.enqueue({ model: 'claude-haiku-4-5-20251001', text: 'Bonjour.', usage: CACHED });
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: user('Say hello in French'),
    });

    expect(message.type).toBe('message');
    expect(message.id).toMatch(/^msg_01/);
    expect(message.model).toBe('claude-haiku-4-5-20251001');
    expect(message.content).toEqual([{ type: 'text', text: 'Bonjour.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({
      input_tokens: 12,
      cache_read_input_tokens: 2048,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 100 },
      output_tokens: 45,
      output_tokens_details: null,
    });
  });

  it('estimates usage from system, messages and tools when nothing is scripted', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      system: 's'.repeat(12),
      messages: [{ role: 'user', content: [{ type: 'text', text: 't'.repeat(28) }] }],
    });
    expect(message.model).toBe('claude-haiku-4-5');
    expect(message.usage.input_tokens).toBe(10);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    expect(message.usage.output_tokens).toBe(Math.ceil(DEFAULT_TEXT.length / 4));
  });

  it('returns tool_use blocks with stop_reason tool_use', async () => {
    fake.enqueue({
      text: 'Let me check.',
      toolCalls: [{ name: 'get_weather', arguments: { city: 'Lima' }, id: 'toolu_01abc' }],
    });
    const message = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: user('Weather in Lima?'),
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
    expect(message.content[1]).toMatchObject({
      type: 'tool_use',
      id: 'toolu_01abc',
      name: 'get_weather',
      input: { city: 'Lima' },
    });
  });

  it('streams events in the live order, repeating input counts in message_delta', async () => {
    const text = 'A streamed answer in several words.';
    fake.enqueue({ text, usage: CACHED });
    const stream = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: user('Stream please'),
      stream: true,
    });
    const events: RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((event) => event.type);
    expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    // The SDK drops ping events, so they are not in the list.
    expect(types.filter((type) => type === 'content_block_delta').length).toBeGreaterThan(3);

    const start = events[0];
    expect(start?.type === 'message_start' && start.message.usage).toMatchObject({
      input_tokens: 12,
      cache_read_input_tokens: 2048,
      cache_creation_input_tokens: 300,
      output_tokens: 1,
    });
    const delta = events.at(-2);
    expect(delta?.type === 'message_delta' && delta.usage).toMatchObject({
      input_tokens: 12,
      cache_read_input_tokens: 2048,
      cache_creation_input_tokens: 300,
      output_tokens: 45,
    });
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('end_turn');
    const streamed = events
      .map((event) =>
        event.type === 'content_block_delta' && event.delta.type === 'text_delta'
          ? event.delta.text
          : '',
      )
      .join('');
    expect(streamed).toBe(text);
  });

  it('sends a ping after the first content block starts', async () => {
    const response = await fetch(`${fake.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: user('hi') }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const names = [...(await response.text()).matchAll(/^event: (\S+)$/gm)].map(
      (match) => match[1],
    );
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
  });

  it('gives the final message usage through stream.finalMessage()', async () => {
    fake.enqueue({
      model: 'claude-opus-4-1-20250805',
      text: 'Final answer.',
      usage: { uncachedInput: 3, cacheRead: 500, cacheWrite: 40, output: 17, reasoning: 9 },
    });
    const stream = anthropic.messages.stream({
      model: 'claude-opus-4-1',
      max_tokens: 100,
      messages: user('Think, then answer'),
    });
    const message = await stream.finalMessage();
    expect(message.model).toBe('claude-opus-4-1-20250805');
    expect(message.content).toMatchObject([{ type: 'text', text: 'Final answer.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({
      input_tokens: 3,
      cache_read_input_tokens: 500,
      cache_creation_input_tokens: 40,
      cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 0 },
      output_tokens: 17,
      output_tokens_details: { thinking_tokens: 9 },
    });
  });

  it('streams tool input as JSON deltas that the SDK parses', async () => {
    const input = { query: 'weather', filters: { country: 'PE', days: [1, 2] } };
    fake.enqueue({ toolCalls: [{ name: 'search', arguments: input }] });
    const message = await anthropic.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: user('Search') })
      .finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'search', input });
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('counts the same input the messages call would bill, consuming no unpathed reply', async () => {
    fake.enqueue({ text: 'for the next message' });
    const counted = await anthropic.messages.countTokens({
      model: 'claude-haiku-4-5',
      system: 'x'.repeat(20),
      messages: user('y'.repeat(20)),
    });
    expect(counted.input_tokens).toBe(10);
    expect(fake.pendingReplies).toBe(1);

    fake.enqueue({
      path: '/v1/messages/count_tokens',
      usage: { uncachedInput: 900, cacheRead: 100 },
    });
    const scripted = await anthropic.messages.countTokens({
      model: 'claude-haiku-4-5',
      messages: user('z'),
    });
    expect(scripted.input_tokens).toBe(1000);
  });
});
