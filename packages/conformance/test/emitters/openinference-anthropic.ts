import Anthropic from '@anthropic-ai/sdk';
import { AnthropicInstrumentation } from '@arizeai/openinference-instrumentation-anthropic';
import { expect } from 'vitest';
import {
  anthropicBilled,
  anthropicRequest,
  anthropicStreamOutput,
  openInferenceAgent,
  twoCallsUnder,
} from '../drivers.ts';
import { billed, defineEmitter, failed, inProcess, type Model } from '../emitter.ts';
import { type CallRow, createTracing, startTracing } from '../harness.ts';

type Client = { anthropic: Anthropic; instrumentation: AnthropicInstrumentation };

const HAIKU: Model = {
  provider: 'anthropic',
  request_model: 'claude-haiku-4-5',
  response_model: 'claude-haiku-4-5-20251001',
};
const cachedUsage = { uncachedInput: 1500, cacheRead: 40000, cacheWrite: 2048, output: 700 };

/** The row both reports of the cache scenario below must collapse into. */
const cachedCall: CallRow = {
  span: 'anthropic.messages.create',
  ...HAIKU,
  operation: 'chat',
  input_tokens: 1500,
  cache_read_tokens: 40000,
  cache_write_tokens: 2048,
  cache_write_1h_tokens: 0,
  output_tokens: 700,
  reasoning_tokens: 0,
  usage_missing: false,
  cache_unreported: false,
  status: 'ok',
  error_type: '',
  // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
  //   input 1500 × 1 / 1e6 = 0.0015; cache read 40000 × 0.10 / 1e6 = 0.004;
  //   cache write 2048 × 1.25 / 1e6 = 0.00256; output 700 × 5 / 1e6 = 0.0035
  //   total 0.01156 (billing both reports would make it 0.02312)
  total_cost: '0.01156',
};

/**
 * OpenInference's Anthropic instrumentation on @anthropic-ai/sdk 1.x, whose own spans are on as
 * soon as a global tracer provider exists. Every call is reported twice with full usage: the
 * instrumentation's INTERNAL `Anthropic Messages` span and, as its child, the SDK's CLIENT
 * `anthropic.messages.create`. Tokenwatch must bill each call once, at the innermost report.
 */
export const openInferenceAnthropic = defineEmitter<Client>({
  title: 'OpenInference Anthropic (with the SDK 1.x spans under it)',
  packages: '@arizeai/openinference-instrumentation-anthropic 0.2.8, @anthropic-ai/sdk 1.x',
  convention: 'openinference',
  split: { cacheRead: 'apart', cacheWrite: 'apart', reasoning: 'in-output' },
  quirks: [
    "each call is reported twice, its span around the SDK's own (otel-genai): the inner one is " +
      'billed, or the first to arrive when they come in separate requests',
    'prompt tokens inclusive of cache reads and writes',
  ],
  setup(backend) {
    // Global, so that the SDK's own spans are on, as in an app that registers a provider. Both
    // reports of a call reach the collector in one request here; the last test sends them apart.
    const tracing = startTracing(backend, {
      service: 'openinference-anthropic',
      global: true,
      processor: 'batch',
    });
    const instrumentation = new AnthropicInstrumentation({ tracerProvider: tracing.provider });
    // Require hooks do not patch an ESM import of the SDK; the manual API patches the class itself.
    instrumentation.manuallyInstrument(Anthropic);
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: backend.fake.anthropicBaseUrl,
      // A scripted 500 must be one request, as the test scripts one reply.
      maxRetries: 0,
    });
    return inProcess(tracing, { anthropic, instrumentation }, () => instrumentation.disable());
  },
  scenarios: [
    {
      title: 'bills a call with cache reads and writes once, although it is reported twice',
      replies: [{ model: 'claude-haiku-4-5-20251001', usage: cachedUsage }],
      act: ({ client }) => client.anthropic.messages.create(anthropicRequest),
      // Both reports carry the full usage, input inclusive of cache (1500 + 40000 + 2048).
      sent: [
        { name: 'Anthropic Messages', attributes: { 'llm.token_count.prompt': 43548 } },
        {
          name: 'anthropic.messages.create',
          attributes: { 'gen_ai.usage.input_tokens': 43548 },
          parent: 0,
        },
      ],
      stored: { kind: 'rows', rows: [cachedCall] },
    },
    {
      title: 'bills a stream once, with its full usage',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 800, cacheRead: 3000, cacheWrite: 0, output: 300 },
        },
      ],
      act: async ({ client }) =>
        anthropicStreamOutput(
          await client.anthropic.messages.create({ ...anthropicRequest, stream: true }),
        ),
      sent: [{ name: 'Anthropic Messages' }, { name: 'anthropic.messages.create' }],
      // claude-haiku-4-5: 800 × 1 = 0.0008, 3000 × 0.10 = 0.0003, 300 × 5 = 0.0015 (each / 1e6);
      //   total 0.0026
      stored: billed('anthropic.messages.create', HAIKU, '0.0026'),
    },
    {
      title: 'stores a failed call once, as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) => client.anthropic.messages.create(anthropicRequest),
      rejects: Anthropic.InternalServerError,
      sent: [
        { name: 'anthropic.messages.create', status: 'ERROR' },
        { name: 'Anthropic Messages', status: 'ERROR' },
      ],
      stored: failed('anthropic.messages.create', { ...HAIKU, response_model: '' }, 'api_error'),
    },
    {
      title: 'bills two calls under an AGENT span once each: six spans, two rows',
      replies: [
        { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 900, output: 60 } },
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 400, cacheWrite: 1600, output: 90 },
        },
      ],
      act: ({ client, tracing }) =>
        twoCallsUnder(tracing!, openInferenceAgent('contract-reviewer'), async () =>
          anthropicBilled((await client.anthropic.messages.create(anthropicRequest)).usage),
        ),
      sent: {
        anyOrder: [
          { name: 'Anthropic Messages' },
          { name: 'Anthropic Messages' },
          { name: 'anthropic.messages.create' },
          { name: 'anthropic.messages.create' },
          { name: 'contract-reviewer' },
        ],
      },
      // claude-haiku-4-5: $1 per million input, $1.25 cache write, $5 output:
      //   call 1: 900 × 1 / 1e6 = 0.0009 + 60 × 5 / 1e6 = 0.0003 → 0.0012
      //   call 2: 400 × 1 / 1e6 = 0.0004 + 1600 × 1.25 / 1e6 = 0.002 + 90 × 5 / 1e6 = 0.00045
      //           → 0.00285
      //   together 0.00405 (the agent and the two wrapper spans add nothing)
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'cache_write_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['anthropic.messages.create', 900, 0, 60, '0.0012'],
          ['anthropic.messages.create', 400, 1600, 90, '0.00285'],
        ],
        totalCost: '0.00405',
      },
    },
  ],
  extraTests: [
    {
      title: 'bills a call once when its two reports arrive in separate requests',
      async run({ client, tracing }, backend) {
        // Each span exported alone as it ends (SimpleSpanProcessor; with BatchSpanProcessor the
        // same happens whenever a batch boundary falls between the two). The instrumentation ends
        // its span before the SDK ends its own, so the wrapper arrives first, before the collector
        // has seen the call span under it.
        const simple = createTracing(backend, { service: 'openinference-anthropic-simple' });
        client.instrumentation.setTracerProvider(simple.provider);
        try {
          const anthropic = new Anthropic({
            apiKey: 'sk-ant-test',
            baseURL: backend.fake.anthropicBaseUrl,
            maxRetries: 0,
            openTelemetry: { tracerProvider: simple.provider },
          });
          backend.fake.enqueue({ model: 'claude-haiku-4-5-20251001', usage: cachedUsage });
          await anthropic.messages.create(anthropicRequest);
          const spans = await simple.take();
          expect(spans.map((s) => s.name)).toEqual([
            'Anthropic Messages',
            'anthropic.messages.create',
          ]);

          // One call, billed once: 0.01156 (the wrapper billed as well makes it 0.02312). Apart,
          // the report that arrives first is billed (a stored row cannot be taken back from the
          // rollup), here the instrumentation's, with the same tokens and cost.
          expect(await backend.totalCost(spans)).toBe('0.01156');
          expect(await backend.calls(spans)).toEqual([
            { ...cachedCall, span: 'Anthropic Messages' },
          ]);
        } finally {
          client.instrumentation.setTracerProvider(tracing!.provider);
          await simple.shutdown();
        }
      },
    },
  ],
});
