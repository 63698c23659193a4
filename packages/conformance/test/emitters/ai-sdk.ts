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
import { expect } from 'vitest';
import { z } from 'zod';
import { billed, defineEmitter, failed, inProcess, type Model } from '../emitter.ts';
import { type Backend, startTracing } from '../harness.ts';

type Client = {
  openai: ReturnType<typeof createOpenAI>;
  anthropic: ReturnType<typeof createAnthropic>;
  /** Telemetry as an app turns it on; the tracer is named `ai`, as the SDK's default one is. */
  telemetry(metadata?: Record<string, string>): TelemetrySettings;
};

const prompt = 'Plan a day in Paris.';
// No retries: a scripted 500 must be one request, as the test scripts one reply.
const maxRetries = 0;

const GPT_4O: Model = {
  provider: 'openai',
  request_model: 'gpt-4o',
  response_model: 'gpt-4o-2024-08-06',
};
const HAIKU: Model = {
  provider: 'anthropic',
  request_model: 'claude-haiku-4-5',
  response_model: 'claude-haiku-4-5-20251001',
};

/**
 * The Vercel AI SDK v6 with `experimental_telemetry`. Each model request is an INTERNAL
 * `ai.generateText.doGenerate` / `ai.streamText.doStream` span under an outer `ai.generateText` /
 * `ai.streamText` span that repeats (or, over several steps, sums) the same `ai.usage.*`: only the
 * inner spans are calls. Usage is complete for both providers: uncached input as `noCacheTokens`,
 * cache reads and writes, reasoning.
 */
const aiSdk = {
  packages: 'ai 6.0.325, @ai-sdk/openai 3.0.141, @ai-sdk/anthropic 3.0.140',
  convention: 'vercel-ai-sdk',
  split: { cacheRead: 'apart', cacheWrite: 'apart', reasoning: 'apart' },
  quirks: [
    'call spans are INTERNAL; the outer span repeats the usage of the calls under it',
    'uncached input given directly (`noCacheTokens`)',
    '`ai.model.provider` and `gen_ai.system` are `<provider>.<api>` (`openai.chat`)',
    'attribution from the telemetry metadata, on every span',
  ],
  setup(backend: Backend) {
    const tracing = startTracing(backend, { service: 'ai-sdk', global: false });
    return inProcess<Client>(tracing, {
      openai: createOpenAI({ apiKey: 'sk-test', baseURL: backend.fake.openaiBaseUrl }),
      anthropic: createAnthropic({ apiKey: 'sk-ant-test', baseURL: `${backend.fake.url}/v1` }),
      telemetry: (metadata = {}) => ({
        isEnabled: true,
        functionId: 'trip-planner',
        metadata,
        tracer: tracing.provider.getTracer('ai'),
      }),
    });
  },
} as const;

export const aiSdkOpenAi = defineEmitter<Client>({
  ...aiSdk,
  title: 'Vercel AI SDK v6, OpenAI provider',
  scenarios: [
    {
      title: 'prices cached prompt tokens (Chat Completions) at the cache-read price',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, cacheRead: 800, output: 150 } },
      ],
      act: ({ client }) =>
        generateText({
          model: client.openai.chat('gpt-4o'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        }),
      // The outer span repeats the usage: two reports of one request.
      sent: [
        {
          name: 'ai.generateText.doGenerate',
          attributes: {
            'ai.usage.inputTokens': 2000,
            'ai.usage.inputTokenDetails.noCacheTokens': 1200,
          },
        },
        {
          name: 'ai.generateText',
          attributes: {
            'ai.usage.inputTokens': 2000,
            'ai.usage.inputTokenDetails.noCacheTokens': 1200,
          },
        },
      ],
      // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
      //   input 1200 × 2.50 / 1e6 = 0.003; cache read 800 × 1.25 / 1e6 = 0.001;
      //   output 150 × 10 / 1e6 = 0.0015; total 0.0055
      stored: billed('ai.generateText.doGenerate', GPT_4O, '0.0055'),
    },
    {
      title: 'counts reasoning tokens (Responses API) as part of the output',
      replies: [
        {
          model: 'o4-mini-2025-04-16',
          usage: { uncachedInput: 2500, cacheRead: 1000, output: 4000, reasoning: 3000 },
        },
      ],
      act: ({ client }) =>
        generateText({
          model: client.openai('o4-mini'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        }),
      paths: ['/v1/responses'],
      // o4-mini: $1.10 per million input, $0.275 cached input, $4.40 output (reasoning included):
      //   input 2500 × 1.10 / 1e6 = 0.00275; cache read 1000 × 0.275 / 1e6 = 0.000275;
      //   output 4000 × 4.40 / 1e6 = 0.0176; total 0.020625
      stored: billed(
        'ai.generateText.doGenerate',
        { provider: 'openai', request_model: 'o4-mini', response_model: 'o4-mini-2025-04-16' },
        '0.020625',
      ),
    },
    {
      title: 'stores the full usage of a stream',
      replies: [
        {
          model: 'gpt-4o-2024-08-06',
          usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
        },
      ],
      async act({ client }) {
        const result = streamText({
          model: client.openai.chat('gpt-4o'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        });
        await result.consumeStream();
        return (await result.usage).outputTokens;
      },
      sent: [{ name: 'ai.streamText.doStream' }, { name: 'ai.streamText' }],
      // gpt-4o: 3000 × 2.50 = 0.0075, 1000 × 1.25 = 0.00125, 400 × 10 = 0.004 (each / 1e6);
      //   total 0.01275
      stored: billed('ai.streamText.doStream', GPT_4O, '0.01275'),
    },
    {
      title: 'stores a failed call once, as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) =>
        generateText({
          model: client.openai.chat('gpt-4o'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        }),
      rejects: APICallError,
      sent: [
        { name: 'ai.generateText.doGenerate', status: 'ERROR' },
        { name: 'ai.generateText', status: 'ERROR' },
      ],
      // The error type comes from the `exception` event (the SDK sets no error.type).
      stored: failed(
        'ai.generateText.doGenerate',
        { ...GPT_4O, response_model: '' },
        'AI_APICallError',
      ),
    },
    {
      title: 'bills a tool-using generateText as its two model calls, with the metadata',
      replies: [
        {
          model: 'gpt-4o-2024-08-06',
          toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }],
          usage: { uncachedInput: 1000, output: 50 },
        },
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 700, cacheRead: 500, output: 100 } },
      ],
      async act({ client }) {
        const result = await generateText({
          model: client.openai.chat('gpt-4o'),
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
          experimental_telemetry: client.telemetry({
            agent: 'planner',
            userId: 'u-42',
            feature: 'itinerary',
          }),
        });
        expect(result.steps).toHaveLength(2);
      },
      sent: [
        { name: 'ai.generateText.doGenerate', attributes: { 'ai.usage.inputTokens': 1000 } },
        { name: 'ai.toolCall', attributes: { 'ai.usage.inputTokens': undefined } },
        { name: 'ai.generateText.doGenerate', attributes: { 'ai.usage.inputTokens': 1200 } },
        // The outer span sums both steps.
        { name: 'ai.generateText', attributes: { 'ai.usage.inputTokens': 2200 } },
      ],
      // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
      //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
      //   call 2: 700 × 2.50 / 1e6 = 0.00175 + 500 × 1.25 / 1e6 = 0.000625
      //           + 100 × 10 / 1e6 = 0.001 → 0.003375
      //   together 0.006375; billing the outer span too would double it
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'cache_read_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['ai.generateText.doGenerate', 1000, 0, 50, '0.003'],
          ['ai.generateText.doGenerate', 700, 500, 100, '0.003375'],
        ],
        totalCost: '0.006375',
        // The telemetry metadata is on every span, so each call is attributed.
        attribution: [
          { agent: 'planner', user_id: 'u-42', feature: 'itinerary', session_id: '' },
          { agent: 'planner', user_id: 'u-42', feature: 'itinerary', session_id: '' },
        ],
      },
    },
  ],
});

export const aiSdkAnthropic = defineEmitter<Client>({
  ...aiSdk,
  title: 'Vercel AI SDK v6, Anthropic provider',
  scenarios: [
    {
      title: 'stores cache reads and writes apart from the uncached input',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 2500, cacheRead: 20000, cacheWrite: 3000, output: 400 },
        },
      ],
      act: ({ client }) =>
        generateText({
          model: client.anthropic('claude-haiku-4-5'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        }),
      sent: [
        { name: 'ai.generateText.doGenerate', attributes: { 'ai.usage.inputTokens': 25500 } },
        { name: 'ai.generateText', attributes: { 'ai.usage.inputTokens': 25500 } },
      ],
      // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
      //   input 2500 × 1 / 1e6 = 0.0025; cache read 20000 × 0.10 / 1e6 = 0.002;
      //   cache write 3000 × 1.25 / 1e6 = 0.00375; output 400 × 5 / 1e6 = 0.002
      //   total 0.01025
      stored: billed('ai.generateText.doGenerate', HAIKU, '0.01025'),
    },
    {
      title: 'stores the full usage of a stream',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 800, cacheRead: 6000, cacheWrite: 1200, output: 350 },
        },
      ],
      async act({ client }) {
        const result = streamText({
          model: client.anthropic('claude-haiku-4-5'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        });
        await result.consumeStream();
        return (await result.usage).outputTokens;
      },
      // claude-haiku-4-5: 800 × 1 = 0.0008, 6000 × 0.10 = 0.0006, 1200 × 1.25 = 0.0015,
      //   350 × 5 = 0.00175 (each / 1e6); total 0.00465
      stored: billed('ai.streamText.doStream', HAIKU, '0.00465'),
    },
    {
      title: 'stores a failed call once, as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) =>
        generateText({
          model: client.anthropic('claude-haiku-4-5'),
          prompt,
          maxRetries,
          experimental_telemetry: client.telemetry(),
        }),
      rejects: APICallError,
      stored: {
        kind: 'columns',
        columns: ['span', 'status', 'error_type', 'usage_missing', 'total_cost'],
        rows: [['ai.generateText.doGenerate', 'error', 'AI_APICallError', false, '0']],
      },
    },
  ],
});
