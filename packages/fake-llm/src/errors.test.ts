import Anthropic, { type APIError as AnthropicApiError } from '@anthropic-ai/sdk';
import OpenAI, { type APIError as OpenAIApiError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';

let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const openaiClient = (maxRetries: number) =>
  new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries });
const anthropicClient = (maxRetries: number) =>
  new Anthropic({
    apiKey: 'test',
    baseURL: fake.anthropicBaseUrl,
    maxRetries,
    openTelemetry: false,
  });

const chat = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
const message = (client: Anthropic) =>
  client.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  });

/** Resolves to what the promise rejected with, failing if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

async function postRaw(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('scripted HTTP errors through the OpenAI SDK', () => {
  it('surfaces a 429 as RateLimitError with OpenAI error fields and retry-after', async () => {
    fake.enqueue({ error: { status: 429, message: 'Slow down' } });
    const err = await rejection(chat(openaiClient(0)));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const apiError = err as OpenAIApiError;
    expect(apiError.status).toBe(429);
    expect(apiError.message).toBe('429 Slow down');
    expect(apiError.type).toBe('requests');
    expect(apiError.code).toBe('rate_limit_exceeded');
    expect(apiError.headers?.get('retry-after')).toBe('1');
    expect(apiError.requestID).toMatch(/^req_/);
  });

  it('surfaces a 500 as InternalServerError and a 400 as BadRequestError', async () => {
    fake.enqueue(
      { error: { status: 500 } },
      { error: { status: 400, code: 'context_length_exceeded' } },
    );
    const server = await rejection(chat(openaiClient(0)));
    expect(server).toBeInstanceOf(OpenAI.InternalServerError);
    expect((server as OpenAIApiError).type).toBe('server_error');
    const bad = await rejection(chat(openaiClient(0)));
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as OpenAIApiError).code).toBe('context_length_exceeded');
    expect(fake.requests).toHaveLength(2);
  });

  it('lets the SDK retry a scripted 500 and succeed on the 200 after it', async () => {
    fake.enqueue({ error: { status: 500 } }, { text: 'second time lucky' });
    const completion = await chat(openaiClient(2));
    expect(completion.choices[0]?.message.content).toBe('second time lucky');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.map((request) => request.headers['x-stainless-retry-count'])).toEqual([
      '0',
      '1',
    ]);
  });
});

describe('scripted HTTP errors through the Anthropic SDK', () => {
  it('surfaces a 429 as RateLimitError with the Anthropic error type and retry-after', async () => {
    fake.enqueue({ error: { status: 429, retryAfter: 30 } });
    const err = await rejection(message(anthropicClient(0)));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = err as AnthropicApiError;
    expect(apiError.status).toBe(429);
    expect(apiError.type).toBe('rate_limit_error');
    expect(apiError.headers?.get('retry-after')).toBe('30');
    expect(apiError.requestID).toMatch(/^req_/);
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('surfaces 529 as OverloadedError and 500 as InternalServerError of type api_error', async () => {
    fake.enqueue({ error: { status: 529 } }, { error: { status: 500, message: 'boom' } });
    const overloaded = await rejection(message(anthropicClient(0)));
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect((overloaded as AnthropicApiError).type).toBe('overloaded_error');
    const internal = await rejection(message(anthropicClient(0)));
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect((internal as AnthropicApiError).type).toBe('api_error');
    expect((internal as AnthropicApiError).apiMessage).toBe('boom');
  });

  it('lets the SDK retry a scripted 500 and succeed, honouring retry-after-ms', async () => {
    fake.enqueue(
      { error: { status: 500 }, headers: { 'retry-after-ms': '5' } },
      { text: 'recovered', usage: { uncachedInput: 2, output: 1 } },
    );
    const started = Date.now();
    const result = await message(anthropicClient(2));
    expect(Date.now() - started).toBeLessThan(400);
    expect(result.content).toMatchObject([{ type: 'text', text: 'recovered' }]);
    expect(result.usage.output_tokens).toBe(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('fails a stream request with the scripted error before any event', async () => {
    fake.enqueue({ error: { status: 503 } });
    const err = await rejection(
      anthropicClient(0)
        .messages.stream({
          model: 'claude-haiku-4-5',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }],
        })
        .finalMessage(),
    );
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as AnthropicApiError).status).toBe(503);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with a provider-shaped 400 and keeps serving', async () => {
    const openai = await postRaw('/v1/chat/completions', '{"model": ');
    expect(openai.status).toBe(400);
    expect(openai.body).toMatchObject({ error: { type: 'invalid_request_error', code: null } });
    const anthropic = await postRaw('/v1/messages', '[1, 2]', {
      'anthropic-version': '2023-06-01',
    });
    expect(anthropic.status).toBe(400);
    expect(anthropic.body).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    expect(fake.requests.map((request) => request.body)).toEqual([undefined, undefined]);

    const ok = await chat(openaiClient(0));
    expect(ok.object).toBe('chat.completion');
  });

  it('names a missing or mistyped required field the way each provider does', async () => {
    const noMessages = await postRaw('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o' }));
    expect(noMessages).toEqual({
      status: 400,
      body: {
        error: {
          message: "Missing required parameter: 'messages'.",
          type: 'invalid_request_error',
          param: 'messages',
          code: 'missing_required_parameter',
        },
      },
    });
    const badModel = await postRaw('/v1/embeddings', JSON.stringify({ model: 3, input: 'x' }));
    expect(badModel.body).toMatchObject({ error: { param: 'model', code: 'invalid_type' } });

    const noMaxTokens = await postRaw(
      '/v1/messages',
      JSON.stringify({ model: 'claude-haiku-4-5', messages: [] }),
    );
    expect(noMaxTokens.status).toBe(400);
    expect(noMaxTokens.body).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
  });

  it('survives hostile but valid JSON: very deep nesting and very long arrays', async () => {
    const depth = 100_000;
    const deep = `{"model":"gpt-4o","messages":[{"role":"user","content":${'['.repeat(depth)}"x"${']'.repeat(depth)}}]}`;
    const nested = await postRaw('/v1/chat/completions', deep);
    expect(nested.status).toBe(200);
    expect(nested.body).toMatchObject({ usage: { prompt_tokens: 1 } });

    const wide = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: Array.from({ length: 300_000 }, () => 'abcd') }],
    });
    const long = await postRaw('/v1/chat/completions', wide);
    expect(long.status).toBe(200);
    expect(long.body).toMatchObject({ usage: { prompt_tokens: 300_000 } });
  });

  it('does not spend a scripted reply on a request it rejects', async () => {
    fake.enqueue({ text: 'for a valid request' });
    await postRaw('/v1/chat/completions', '{}');
    expect(fake.pendingReplies).toBe(1);
  });

  it('answers unknown routes with a provider-shaped 404', async () => {
    const openai = await postRaw('/v1/nope', '{}');
    expect(openai).toEqual({
      status: 404,
      body: {
        error: {
          message: 'Invalid URL (POST /v1/nope)',
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      },
    });
    const anthropic = await postRaw('/v1/messages/batches', '{}', {
      'anthropic-version': '2023-06-01',
    });
    expect(anthropic.status).toBe(404);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('rejects impossible scripted replies when they are scripted', () => {
    expect(() => fake.enqueue({ error: { status: 200 } })).toThrow(TypeError);
    expect(() => fake.enqueue({ usage: { output: 5, reasoning: 6 } })).toThrow(/reasoning/);
    expect(() => fake.enqueue({ usage: { cacheWrite: 1, cacheWrite1h: 2 } })).toThrow(
      /cacheWrite1h/,
    );
    expect(() => fake.enqueue({ usage: { cacheRead: -1 } })).toThrow(/cacheRead/);
    expect(() => fake.enqueue({ path: 'v1/messages' })).toThrow(/path/);
    expect(() => fake.enqueue({}, { latencyMs: Number.NaN })).toThrow(/latencyMs/);
    // A batch with a bad reply leaves the queue as it was.
    expect(fake.pendingReplies).toBe(0);
  });
});
