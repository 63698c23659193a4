import { type ChildApp, otelOpenAiApp } from '../drivers.ts';
import { billed, defineEmitter, failed, type Model } from '../emitter.ts';

const SCOPE = '@opentelemetry/instrumentation-openai';
const GPT_4O: Model = {
  provider: 'openai',
  request_model: 'gpt-4o',
  response_model: 'gpt-4o-2024-08-06',
};

/**
 * The OpenTelemetry contrib OpenAI instrumentation on openai 6.x. It has no manual API, so each
 * scenario runs in a child `node` process that registers it the documented way
 * (apps/otel-openai-app.cjs). One CLIENT `chat <model>` span per call.
 */
export const otelOpenAi = defineEmitter<ChildApp>({
  title: 'OpenTelemetry contrib OpenAI',
  packages: '@opentelemetry/instrumentation-openai 0.21.0, openai 6.x',
  convention: 'otel-genai',
  split: { cacheRead: 'in-input', cacheWrite: 'in-input', reasoning: 'in-output' },
  // Known by its scope name: every call it reports is flagged, cached tokens or not.
  cacheUnreported: true,
  quirks: [
    '`gen_ai.usage.input_tokens` is prompt_tokens (uncached + cached) with no cache split',
    'no reasoning count',
    '`gen_ai.system` (deprecated) names the provider on chat spans',
    'streams with `include_usage` do get usage',
  ],
  setup(backend) {
    const app = otelOpenAiApp(backend, 'otel-openai');
    return { client: app, take: () => app.take(), shutdown: async () => {} };
  },
  scenarios: [
    {
      title: 'bills cached prompt tokens as uncached input (the emitter drops the split)',
      replies: [
        {
          model: 'gpt-4o-2024-08-06',
          usage: { uncachedInput: 5000, cacheRead: 3000, output: 250 },
        },
      ],
      act: ({ client }) => client.run('cached'),
      // What the emitter sent: prompt_tokens (U + C) as input, and nothing about the cache.
      sent: [
        {
          name: 'chat gpt-4o',
          scope: SCOPE,
          attributes: { 'gen_ai.usage.input_tokens': 8000 },
          noAttributesMatching: /cache/,
        },
      ],
      // Tokenwatch cannot know that 3000 of the 8000 were cached, so it prices all 8000 as input.
      // gpt-4o: $2.50 per million input, $10 output (cached would be $1.25):
      //   input 8000 × 2.50 / 1e6 = 0.02; output 250 × 10 / 1e6 = 0.0025; total 0.0225
      //   (the real bill is 0.01875: 5000 × 2.50 + 3000 × 1.25 + 250 × 10, over 1e6)
      stored: billed('chat gpt-4o', GPT_4O, '0.0225'),
    },
    {
      title: 'keeps reasoning inside output, with no reasoning count (the emitter has none)',
      replies: [
        {
          model: 'o4-mini-2025-04-16',
          usage: { uncachedInput: 1800, output: 2600, reasoning: 2000 },
        },
      ],
      act: ({ client }) => client.run('reasoning'),
      // o4-mini: $1.10 per million input, $4.40 output; reasoning is billed as output:
      //   input 1800 × 1.10 / 1e6 = 0.00198; output 2600 × 4.40 / 1e6 = 0.01144; total 0.01342
      stored: billed(
        'chat o4-mini',
        { provider: 'openai', request_model: 'o4-mini', response_model: 'o4-mini-2025-04-16' },
        '0.01342',
      ),
    },
    {
      title: 'stores the usage of a stream that asked for it',
      replies: [
        {
          model: 'gpt-4o-2024-08-06',
          usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
        },
      ],
      act: ({ client }) => client.run('stream'),
      // Usage from the include_usage chunk, with the same lost cache split:
      //   input 4000 × 2.50 / 1e6 = 0.01; output 400 × 10 / 1e6 = 0.004; total 0.014
      stored: billed('chat gpt-4o', GPT_4O, '0.014'),
    },
    {
      title: 'stores a failed call as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) => client.run('error'),
      rejects: /^InternalServerError$/,
      sent: [
        {
          name: 'chat gpt-4o',
          status: 'ERROR',
          attributes: { 'error.type': 'InternalServerError' },
        },
      ],
      // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
      stored: failed('chat gpt-4o', { ...GPT_4O, response_model: '' }, 'InternalServerError'),
    },
    {
      title: 'bills two calls under an agent span with their summed usage once each',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, output: 100 } },
      ],
      act: ({ client }) => client.run('agent'),
      sent: [
        { name: 'chat gpt-4o', attributes: { 'gen_ai.usage.input_tokens': 1000 } },
        { name: 'chat gpt-4o', attributes: { 'gen_ai.usage.input_tokens': 1200 } },
        { name: 'invoke_agent trip-planner', attributes: { 'gen_ai.usage.input_tokens': 2200 } },
      ],
      // gpt-4o: $2.50 per million input, $10 output:
      //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
      //   call 2: 1200 × 2.50 / 1e6 = 0.003 + 100 × 10 / 1e6 = 0.001 → 0.004
      //   together 0.007; billing the agent span too would double it to 0.014
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['chat gpt-4o', 1000, 50, '0.003'],
          ['chat gpt-4o', 1200, 100, '0.004'],
        ],
        totalCost: '0.007',
      },
    },
  ],
});
