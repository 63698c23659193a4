import Anthropic from '@anthropic-ai/sdk';
import { anthropicBilled, anthropicRequest, otelAgent, twoCallsUnder } from '../drivers.ts';
import { billed, defineEmitter, failed, inProcess, type Model } from '../emitter.ts';
import { startTracing } from '../harness.ts';

const HAIKU: Model = {
  provider: 'anthropic',
  request_model: 'claude-haiku-4-5',
  response_model: 'claude-haiku-4-5-20251001',
};

/**
 * The Anthropic SDK's own spans (scope `com.anthropic.sdk.typescript`): on by default as soon as
 * a global tracer provider exists, with no instrumentation installed. One CLIENT
 * `anthropic.messages.create` span per call.
 */
export const anthropicNative = defineEmitter<Anthropic>({
  title: "Anthropic SDK 1.x's own spans",
  packages: '@anthropic-ai/sdk 1.x',
  convention: 'otel-genai',
  split: { cacheRead: 'apart', cacheWrite: 'apart', cacheWrite1h: 'apart', reasoning: 'in-output' },
  quirks: [
    'cache writes as `gen_ai.usage.cache_write.input_tokens` (the current name)',
    'the 1-hour part of the writes as `anthropic.usage.cache_creation.ephemeral_1h_input_tokens`',
    '`error.type` is the API error type (`api_error`)',
  ],
  setup(backend) {
    // The SDK takes its tracer from the global provider when the client is constructed.
    const tracing = startTracing(backend, { service: 'anthropic-native', global: true });
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: backend.fake.anthropicBaseUrl,
      // A scripted 500 must be one request, as the test scripts one reply.
      maxRetries: 0,
    });
    return inProcess(tracing, client);
  },
  scenarios: [
    {
      title: 'splits the inclusive input into uncached input, cache reads and cache writes',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 1500, cacheRead: 40000, cacheWrite: 2048, output: 700 },
        },
      ],
      act: ({ client }) => client.messages.create(anthropicRequest),
      // What the SDK sent: input = U + C + W = 1500 + 40000 + 2048.
      sent: [
        {
          name: 'anthropic.messages.create',
          scope: 'com.anthropic.sdk.typescript',
          attributes: {
            'gen_ai.usage.input_tokens': 43548,
            'gen_ai.usage.cache_read.input_tokens': 40000,
            'gen_ai.usage.cache_write.input_tokens': 2048,
          },
        },
      ],
      // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
      //   input 1500 × 1 / 1e6 = 0.0015; cache read 40000 × 0.10 / 1e6 = 0.004;
      //   cache write 2048 × 1.25 / 1e6 = 0.00256; output 700 × 5 / 1e6 = 0.0035
      //   total 0.0015 + 0.004 + 0.00256 + 0.0035 = 0.01156
      stored: billed('anthropic.messages.create', HAIKU, '0.01156'),
    },
    {
      title: 'prices the 1-hour part of the cache writes at the 1-hour rate',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: {
            uncachedInput: 1500,
            cacheRead: 40000,
            cacheWrite: 2048,
            cacheWrite1h: 1024,
            output: 700,
          },
        },
      ],
      act: ({ client }) => client.messages.create(anthropicRequest),
      sent: [
        {
          name: 'anthropic.messages.create',
          attributes: {
            'gen_ai.usage.cache_write.input_tokens': 2048,
            'anthropic.usage.cache_creation.ephemeral_5m_input_tokens': 1024,
            'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': 1024,
          },
        },
      ],
      // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 5-minute cache write,
      // $2 1-hour cache write, $5 output:
      //   input 1500 × 1 / 1e6 = 0.0015; cache read 40000 × 0.10 / 1e6 = 0.004;
      //   cache write 1024 × 1.25 / 1e6 = 0.00128 + 1024 × 2 / 1e6 = 0.002048 → 0.003328;
      //   output 700 × 5 / 1e6 = 0.0035
      //   total 0.0015 + 0.004 + 0.003328 + 0.0035 = 0.012328 (0.01156 at the 5-minute rate)
      stored: billed('anthropic.messages.create', HAIKU, '0.012328'),
    },
    {
      title: 'stores the full usage of a stream',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 300, cacheRead: 5000, cacheWrite: 800, output: 250 },
        },
      ],
      act: async ({ client }) =>
        (await client.messages.stream(anthropicRequest).finalMessage()).usage.output_tokens,
      // The stream() helper reports under the same span name as create().
      // claude-haiku-4-5: 300 × 1 = 0.0003, 5000 × 0.10 = 0.0005, 800 × 1.25 = 0.001,
      //   250 × 5 = 0.00125 (each / 1e6); total 0.00305
      stored: billed('anthropic.messages.create', HAIKU, '0.00305'),
    },
    {
      title: 'stores a failed call as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) => client.messages.create(anthropicRequest),
      rejects: Anthropic.InternalServerError,
      sent: [
        {
          name: 'anthropic.messages.create',
          status: 'ERROR',
          attributes: { 'error.type': 'api_error' },
        },
      ],
      // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
      stored: failed('anthropic.messages.create', { ...HAIKU, response_model: '' }, 'api_error'),
    },
    {
      title: 'bills two calls under an agent span with their summed usage once each',
      replies: [
        { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 2000, output: 120 } },
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 500, cacheRead: 1500, output: 80 },
        },
      ],
      act: ({ client, tracing }) =>
        twoCallsUnder(tracing!, otelAgent('contract-reviewer'), async () =>
          anthropicBilled((await client.messages.create(anthropicRequest)).usage),
        ),
      sent: [
        { name: 'anthropic.messages.create', attributes: { 'gen_ai.usage.input_tokens': 2000 } },
        { name: 'anthropic.messages.create', attributes: { 'gen_ai.usage.input_tokens': 2000 } },
        {
          name: 'invoke_agent contract-reviewer',
          attributes: { 'gen_ai.usage.input_tokens': 4000 },
        },
      ],
      // claude-haiku-4-5: $1 per million input, $0.10 cache read, $5 output:
      //   call 1: 2000 × 1 / 1e6 = 0.002 + 120 × 5 / 1e6 = 0.0006 → 0.0026
      //   call 2: 500 × 1 / 1e6 = 0.0005 + 1500 × 0.10 / 1e6 = 0.00015 + 80 × 5 / 1e6 = 0.0004
      //           → 0.00105
      //   together 0.00365
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'cache_read_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['anthropic.messages.create', 2000, 0, 120, '0.0026'],
          ['anthropic.messages.create', 500, 1500, 80, '0.00105'],
        ],
        totalCost: '0.00365',
      },
    },
  ],
});
