import { Agent, request } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';

let fake: FakeLlm;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
  anthropic = new Anthropic({
    apiKey: 'test',
    baseURL: fake.anthropicBaseUrl,
    maxRetries: 0,
    openTelemetry: false,
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const chat = (content = 'hi') =>
  openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
const message = () =>
  anthropic.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  });

describe('startFakeLlm', () => {
  it('exposes base URLs on 127.0.0.1', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    expect(fake.port).toBeGreaterThan(0);
    expect(fake.openaiBaseUrl).toBe(`${fake.url}/v1`);
    expect(fake.anthropicBaseUrl).toBe(fake.url);
  });

  it('records method, path, body, headers and time of each request', async () => {
    const before = Date.now();
    await chat('record me');
    await message();
    expect(fake.requests).toHaveLength(2);
    const [first, second] = fake.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'record me' }] },
    });
    expect(first?.headers.authorization).toBe('Bearer test');
    expect(first?.time).toBeGreaterThanOrEqual(before);
    expect(second?.path).toBe('/v1/messages');
    // @anthropic-ai/sdk 1.x sends the API key as a bearer token, not as x-api-key.
    expect(second?.headers.authorization).toBe('Bearer test');
    expect(second?.headers['anthropic-version']).toBeDefined();
    expect(second?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 10 });
    expect(second?.time).toBeGreaterThanOrEqual(first?.time ?? 0);
  });

  it('consumes scripted replies in order, then falls back to the default', async () => {
    fake.enqueue({ text: 'one' }, { text: 'two' });
    expect(fake.pendingReplies).toBe(2);
    expect((await chat()).choices[0]?.message.content).toBe('one');
    expect((await chat()).choices[0]?.message.content).toBe('two');
    expect(fake.pendingReplies).toBe(0);
    expect((await chat()).choices[0]?.message.content).toBe('This is a reply from the fake LLM.');
  });

  it('gives a reply scripted for a path only to that path, keeping the order of the rest', async () => {
    fake.enqueue(
      { path: '/v1/messages', text: 'for anthropic' },
      { text: 'for whoever comes first' },
      { text: 'for whoever comes second' },
    );
    expect((await chat()).choices[0]?.message.content).toBe('for whoever comes first');
    expect((await message()).content).toMatchObject([{ text: 'for anthropic' }]);
    expect((await message()).content).toMatchObject([{ text: 'for whoever comes second' }]);
  });

  it('replaces the queue with script() and empties it with reset()', async () => {
    fake.enqueue({ text: 'dropped' });
    fake.script({ text: 'kept' });
    expect(fake.pendingReplies).toBe(1);
    expect((await chat()).choices[0]?.message.content).toBe('kept');
    fake.enqueue({ text: 'forgotten' });
    fake.reset();
    expect(fake.pendingReplies).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('waits the scripted latency before answering and spaces streamed events', async () => {
    fake.enqueue({ latencyMs: 120 });
    let started = Date.now();
    await chat();
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);

    fake.enqueue({ text: 'one two three four', chunkDelayMs: 30 });
    started = Date.now();
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const _chunk of stream) arrivals.push(Date.now() - started);
    // A role chunk, four word chunks and a finish chunk: five gaps of 30 ms.
    expect(arrivals).toHaveLength(6);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('stops streaming to a client that breaks off, and keeps serving', async () => {
    fake.enqueue({ text: 'word '.repeat(200), chunkDelayMs: 5 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let received = 0;
    for await (const _chunk of stream) {
      received += 1;
      if (received === 3) break;
    }
    expect(received).toBe(3);
    fake.enqueue({ text: 'still here' });
    expect((await chat()).choices[0]?.message.content).toBe('still here');
  });

  it('answers many concurrent requests from both SDKs', async () => {
    const calls = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0 ? chat(`request ${i}`).then((r) => r.object) : message().then((r) => r.type),
    );
    const results = await Promise.all(calls);
    expect(results.filter((type) => type === 'chat.completion')).toHaveLength(30);
    expect(results.filter((type) => type === 'message')).toHaveLength(30);
    expect(fake.requests).toHaveLength(60);
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(
          `${fake.openaiBaseUrl}/chat/completions`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(req.reusedSocket));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
      });
    try {
      expect(await post()).toBe(false);
      expect(await post()).toBe(true);
      expect(await post()).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('uses the defaultReply option and can stop recording requests', async () => {
    const quiet = await startFakeLlm({
      defaultReply: { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1, output: 2 } },
      recordRequests: false,
    });
    try {
      const client = new OpenAI({ apiKey: 'test', baseURL: quiet.openaiBaseUrl, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(completion.model).toBe('gpt-4o-2024-08-06');
      expect(completion.usage?.total_tokens).toBe(3);
      expect(quiet.requests).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });

  it('listens on a requested port and refuses a taken one', async () => {
    const first = await startFakeLlm();
    try {
      await expect(startFakeLlm({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
      await first.close();
      const again = await startFakeLlm({ port: first.port });
      expect(again.port).toBe(first.port);
      await again.close();
    } finally {
      await first.close();
    }
  });

  it('closes promptly despite a slow pending request and idle keep-alive sockets', async () => {
    const slow = await startFakeLlm();
    const client = new OpenAI({ apiKey: 'test', baseURL: slow.openaiBaseUrl, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'warm up' }],
    });
    slow.enqueue({ latencyMs: 10_000 });
    const pending = client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => 'resolved',
        (err: unknown) => err,
      );
    while (slow.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await slow.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    // Closing twice is harmless.
    await slow.close();
  });
});
