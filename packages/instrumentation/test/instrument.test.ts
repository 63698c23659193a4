import * as AnthropicModule from '@anthropic-ai/sdk';
import { DiagLogLevel, diag, type Tracer } from '@opentelemetry/api';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import * as OpenAIModule from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { patchCall } from '../src/call-recorder.ts';
import { instrument } from '../src/instrument.ts';
import type { CallAdapter, RecorderDeps } from '../src/internal-types.ts';
import { chatCompletionsAdapter } from '../src/openai-chat.ts';
import { OpenAIInstrumentation } from '../src/openai-instrumentation.ts';
import { setupTracing } from './setup.ts';

// Nothing is patched through the modules here: instrument() alone does the work.
const tracing = setupTracing({ patchModules: false });
let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  tracing.reset();
});

const openaiClient = () =>
  new OpenAIModule.default({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('instrument(client)', () => {
  it('records the calls of that client only', async () => {
    const instrumented = instrument(openaiClient());
    const plain = openaiClient();
    fake.enqueue({ usage: { uncachedInput: 11, output: 3 } });
    await instrumented.chat.completions.create(request);
    await plain.chat.completions.create(request);
    await instrumented.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    expect(tracing.callSpans().map((span) => span.name)).toEqual([
      'chat gpt-4o',
      'embeddings text-embedding-3-small',
    ]);
    expect(tracing.callSpans()[0]?.attributes['gen_ai.usage.input_tokens']).toBe(11);
    expect(fake.requests).toHaveLength(3);
  });

  it('records a call once when the module hooks patched the class too', async () => {
    const hooks = new OpenAIInstrumentation();
    hooks.manuallyInstrument(OpenAIModule);
    try {
      const client = instrument(instrument(openaiClient()));
      await client.chat.completions.create(request);
      expect(tracing.callSpans()).toHaveLength(1);
    } finally {
      hooks.disable();
    }
  });

  it('replaces the Anthropic 1.x SDK spans, messages.stream() included', async () => {
    const anthropic = instrument(
      new AnthropicModule.default({
        apiKey: 'test',
        baseURL: fake.anthropicBaseUrl,
        maxRetries: 0,
      }),
    );
    fake.enqueue({ usage: { uncachedInput: 5, output: 7 } }, { usage: { uncachedInput: 6 } });
    const body = { model: 'claude-haiku-4-5', max_tokens: 20, messages: request.messages };
    await anthropic.messages.create(body);
    await anthropic.messages.stream(body).finalMessage();
    expect(
      tracing
        .spans()
        .map((span) => [
          span.instrumentationScope.name,
          span.name,
          span.attributes['gen_ai.usage.input_tokens'],
        ]),
    ).toEqual([
      ['@tokenwatch/instrumentation', 'chat claude-haiku-4-5', 5],
      ['@tokenwatch/instrumentation', 'chat claude-haiku-4-5', 6],
    ]);
  });

  it('leaves anything else as it is', () => {
    const other = { messages: 'not a resource' };
    expect(instrument(other)).toBe(other);
    expect(other).toEqual({ messages: 'not a resource' });
  });
});

describe('telemetry failures never reach the application', () => {
  const silent = diag.createComponentLogger({ namespace: 'test' });
  diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.NONE);

  const deps = (overrides: Partial<RecorderDeps> = {}): RecorderDeps => ({
    tracer: () => tracing.provider.getTracer('test'),
    config: () => ({ captureContent: false, includeStreamUsage: false }),
    isEnabled: () => true,
    diag: silent,
    ...overrides,
  });
  const original = async function create(this: unknown, params: unknown) {
    return { echoed: params, choices: [] };
  };

  it('calls the original when the tracer throws', async () => {
    const broken = deps({
      tracer: () =>
        ({
          startSpan() {
            throw new Error('tracer down');
          },
        }) as unknown as Tracer,
    });
    const create = patchCall(chatCompletionsAdapter, 'openai', original, broken);
    await expect(create.call({}, request)).resolves.toEqual({ echoed: request, choices: [] });
  });

  it('calls the original when reading the request fails', async () => {
    const adapter: CallAdapter = {
      ...chatCompletionsAdapter,
      describe() {
        throw new Error('unexpected request shape');
      },
    };
    const create = patchCall(adapter, 'openai', original, deps());
    await expect(create.call({}, request)).resolves.toEqual({ echoed: request, choices: [] });
    expect(tracing.spans()).toEqual([]);
  });

  it('returns the result when reading it fails, and still ends the span', async () => {
    const adapter: CallAdapter = {
      ...chatCompletionsAdapter,
      readResult() {
        throw new Error('unexpected response shape');
      },
    };
    const create = patchCall(adapter, 'openai', original, deps());
    await expect(create.call({}, request)).resolves.toEqual({ echoed: request, choices: [] });
    expect(tracing.spans().map((span) => span.name)).toEqual(['chat gpt-4o']);
  });

  it('passes every stream event through when reading events fails', async () => {
    const adapter: CallAdapter = {
      ...chatCompletionsAdapter,
      newStream: () => ({
        add() {
          throw new Error('unexpected event');
        },
        outcome: () => ({}),
      }),
    };
    const stream = {
      iterator: async function* () {
        yield 1;
        yield 2;
        yield 3;
      },
      [Symbol.asyncIterator]() {
        return this.iterator();
      },
    };
    const create = patchCall(adapter, 'openai', async () => stream, deps());
    const result = (await create.call({}, { ...request, stream: true })) as typeof stream;
    const seen: number[] = [];
    for await (const event of result) seen.push(event);
    expect(seen).toEqual([1, 2, 3]);
    expect(tracing.spans()).toHaveLength(1);
  });
});
