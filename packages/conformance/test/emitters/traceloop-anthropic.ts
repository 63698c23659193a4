import * as anthropicV0 from '@anthropic-ai/sdk-v0';
import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import {
  anthropicBilled,
  anthropicRequest,
  anthropicStreamOutput,
  otelAgent,
  twoCallsUnder,
} from '../drivers.ts';
import { billed, defineEmitter, failed, inProcess, type Model } from '../emitter.ts';
import { startTracing } from '../harness.ts';

const Anthropic = anthropicV0.default;
const HAIKU: Model = {
  provider: 'anthropic',
  request_model: 'claude-haiku-4-5',
  response_model: 'claude-haiku-4-5-20251001',
};

/**
 * OpenLLMetry's Anthropic instrumentation. It patches `Anthropic.Completions`, which
 * @anthropic-ai/sdk 1.x removed, so it runs on the 0.x SDK (0.99.0, installed as
 * `@anthropic-ai/sdk-v0`). One CLIENT `chat <model>` span per call.
 */
export const traceloopAnthropic = defineEmitter<InstanceType<typeof Anthropic>>({
  title: 'OpenLLMetry Anthropic',
  packages: '@traceloop/instrumentation-anthropic 0.27.0, @anthropic-ai/sdk 0.99.0',
  convention: 'otel-genai',
  split: { cacheRead: 'apart', cacheWrite: 'apart', reasoning: 'in-output' },
  quirks: [
    // collector: openllmetry.ts, quirks.inputExcludesCache
    "`gen_ai.usage.input_tokens` is Anthropic's raw, uncached input_tokens, unlike every other " +
      'emitter that uses the name: only the scope tells',
    'cache writes as `gen_ai.usage.cache_creation.input_tokens` (the 1.40 name)',
  ],
  setup(backend) {
    const tracing = startTracing(backend, { service: 'traceloop-anthropic', global: false });
    const instrumentation = new AnthropicInstrumentation();
    instrumentation.setTracerProvider(tracing.provider);
    // Its types name whichever @anthropic-ai/sdk resolves (1.x here); its code needs the 0.x module.
    type SdkModule = Parameters<AnthropicInstrumentation['manuallyInstrument']>[0];
    instrumentation.manuallyInstrument(anthropicV0 as unknown as SdkModule);
    const client = new Anthropic({
      apiKey: 'sk-ant-test',
      baseURL: backend.fake.anthropicBaseUrl,
      // A scripted 500 must be one request, as the test scripts one reply.
      maxRetries: 0,
    });
    // The 0.x SDK stays patched: no other row uses it.
    return inProcess(tracing, client);
  },
  scenarios: [
    {
      title: 'stores cache reads and writes apart from the uncached input',
      // Uncached input above cache read + write on purpose: read as inclusive (as the attribute
      // name says), the input would come out as 6000 − 4000 − 1000 = 1000 and nothing would look
      // wrong.
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 6000, cacheRead: 4000, cacheWrite: 1000, output: 700 },
        },
      ],
      act: ({ client }) => client.messages.create(anthropicRequest),
      sent: [
        {
          name: 'chat claude-haiku-4-5',
          attributes: {
            'gen_ai.usage.input_tokens': 6000,
            'gen_ai.usage.cache_read.input_tokens': 4000,
            'gen_ai.usage.cache_creation.input_tokens': 1000,
          },
        },
      ],
      // claude-haiku-4-5: $1 per million input, $0.10 cache read, $1.25 cache write, $5 output:
      //   input 6000 × 1 / 1e6 = 0.006; cache read 4000 × 0.10 / 1e6 = 0.0004;
      //   cache write 1000 × 1.25 / 1e6 = 0.00125; output 700 × 5 / 1e6 = 0.0035
      //   total 0.006 + 0.0004 + 0.00125 + 0.0035 = 0.01115
      stored: billed('chat claude-haiku-4-5', HAIKU, '0.01115'),
    },
    {
      title: 'stores the full usage of a stream',
      replies: [
        {
          model: 'claude-haiku-4-5-20251001',
          usage: { uncachedInput: 2000, cacheRead: 1200, cacheWrite: 600, output: 100 },
        },
      ],
      act: async ({ client }) =>
        anthropicStreamOutput(await client.messages.create({ ...anthropicRequest, stream: true })),
      // claude-haiku-4-5: 2000 × 1 = 0.002, 1200 × 0.10 = 0.00012, 600 × 1.25 = 0.00075,
      //   100 × 5 = 0.0005 (each / 1e6); total 0.00337
      stored: billed('chat claude-haiku-4-5', HAIKU, '0.00337'),
    },
    {
      title: 'stores a failed call as an error that cost nothing',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) => client.messages.create(anthropicRequest),
      rejects: anthropicV0.InternalServerError,
      sent: [{ name: 'chat claude-haiku-4-5', status: 'ERROR' }],
      // No usage on a failed request: the provider billed nothing, so 0 (not unknown) is right.
      // The error type comes from the `exception` event, whose exception.type is the error's
      // `name`: the 0.x SDK's errors keep `Error` there (their class is InternalServerError).
      stored: failed('chat claude-haiku-4-5', { ...HAIKU, response_model: '' }, 'Error'),
    },
    {
      title: 'bills two calls under an agent span with their summed usage once each',
      replies: [
        { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 1000, output: 50 } },
        { model: 'claude-haiku-4-5-20251001', usage: { uncachedInput: 1200, output: 100 } },
      ],
      act: ({ client, tracing }) =>
        twoCallsUnder(tracing!, otelAgent('contract-reviewer'), async () =>
          anthropicBilled((await client.messages.create(anthropicRequest)).usage),
        ),
      sent: [
        { name: 'chat claude-haiku-4-5', attributes: { 'gen_ai.usage.input_tokens': 1000 } },
        { name: 'chat claude-haiku-4-5', attributes: { 'gen_ai.usage.input_tokens': 1200 } },
        {
          name: 'invoke_agent contract-reviewer',
          attributes: { 'gen_ai.usage.input_tokens': 2200 },
        },
      ],
      // claude-haiku-4-5: $1 per million input, $5 output:
      //   call 1: 1000 × 1 / 1e6 = 0.001 + 50 × 5 / 1e6 = 0.00025 → 0.00125
      //   call 2: 1200 × 1 / 1e6 = 0.0012 + 100 × 5 / 1e6 = 0.0005 → 0.0017
      //   together 0.00295
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['chat claude-haiku-4-5', 1000, 50, '0.00125'],
          ['chat claude-haiku-4-5', 1200, 100, '0.0017'],
        ],
        totalCost: '0.00295',
      },
    },
  ],
});
