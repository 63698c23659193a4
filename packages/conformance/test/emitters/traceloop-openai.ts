import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { messages, openaiBilled, openaiStream, otelAgent, twoCallsUnder } from '../drivers.ts';
import {
  billed,
  defineEmitter,
  inProcess,
  type Model,
  missing,
  nothing,
  unwrap,
} from '../emitter.ts';
import { startTracing } from '../harness.ts';

const GPT_4O: Model = {
  provider: 'openai',
  request_model: 'gpt-4o',
  response_model: 'gpt-4o-2024-08-06',
};

/** OpenLLMetry's OpenAI instrumentation on openai 6.x: one CLIENT `chat <model>` span per call. */
export const traceloopOpenAi = defineEmitter<OpenAI>({
  title: 'OpenLLMetry OpenAI',
  packages: '@traceloop/instrumentation-openai 0.27.0, openai 6.x',
  convention: 'otel-genai',
  split: { cacheRead: 'in-input', cacheWrite: 'in-input', reasoning: 'in-output' },
  quirks: [
    'input tokens inclusive of cache with no cache split, and no reasoning count',
    'streams carry no usage (the include_usage chunk is ignored)',
    'a failed request exports no span (never ended when the promise rejects)',
  ],
  setup(backend) {
    const tracing = startTracing(backend, { service: 'traceloop-openai', global: false });
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(tracing.provider);
    // Require hooks do not patch an ESM import of the SDK; the manual API patches the class itself.
    instrumentation.manuallyInstrument(OpenAI);
    // No retries: a scripted 500 must be one request, as the test scripts one reply.
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: backend.fake.openaiBaseUrl,
      maxRetries: 0,
    });
    return inProcess(tracing, client, () => {
      // What manuallyInstrument patched (the instrumentation has no public way back).
      unwrap(OpenAI.Chat.Completions.prototype, 'create');
      unwrap(OpenAI.Completions.prototype, 'create');
      unwrap(OpenAI.Responses.prototype, 'create');
      unwrap(OpenAI.Images.prototype, 'generate', 'edit', 'createVariation');
    });
  },
  scenarios: [
    {
      title: 'bills cached prompt tokens as uncached input (the emitter drops the split)',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, cacheRead: 800, output: 150 } },
      ],
      act: ({ client }) => client.chat.completions.create({ model: 'gpt-4o', messages }),
      // What the emitter sent: prompt_tokens (U + C) as input, and nothing about the cache.
      sent: [
        {
          name: 'chat gpt-4o',
          attributes: { 'gen_ai.usage.input_tokens': 2000 },
          noAttributesMatching: /cache/,
        },
      ],
      // Tokenwatch cannot know that 800 of the 2000 were cached, so it prices all 2000 as input.
      // gpt-4o: $2.50 per million input, $10 output (cached would be $1.25):
      //   input 2000 × 2.50 / 1e6 = 0.005; output 150 × 10 / 1e6 = 0.0015; total 0.0065
      //   (the real bill is 0.0055: 1200 × 2.50 + 800 × 1.25 + 150 × 10, over 1e6)
      stored: billed('chat gpt-4o', GPT_4O, '0.0065'),
    },
    {
      title: 'keeps reasoning inside output, with no reasoning count (the emitter has none)',
      replies: [
        {
          model: 'o4-mini-2025-04-16',
          usage: { uncachedInput: 2000, output: 3000, reasoning: 2400 },
        },
      ],
      act: ({ client }) => client.chat.completions.create({ model: 'o4-mini', messages }),
      // o4-mini: $1.10 per million input, $4.40 output; reasoning is billed as output:
      //   input 2000 × 1.10 / 1e6 = 0.0022; output 3000 × 4.40 / 1e6 = 0.0132; total 0.0154
      stored: billed(
        'chat o4-mini',
        { provider: 'openai', request_model: 'o4-mini', response_model: 'o4-mini-2025-04-16' },
        '0.0154',
      ),
    },
    {
      title: 'stores a stream without usage as usage missing with a NULL cost, never 0',
      replies: [
        {
          model: 'gpt-4o-2024-08-06',
          usage: { uncachedInput: 3000, cacheRead: 1000, output: 400 },
        },
      ],
      // The provider does send usage (the app sees it); the instrumentation ignores that chunk.
      act: ({ client }) => openaiStream(client, 'gpt-4o'),
      sent: [{ name: 'chat gpt-4o', attributes: { 'gen_ai.usage.input_tokens': undefined } }],
      stored: missing('chat gpt-4o', GPT_4O),
    },
    {
      title: 'exports no span for a failed call, so nothing can be stored',
      replies: [{ error: { status: 500 } }],
      act: ({ client }) => client.chat.completions.create({ model: 'gpt-4o', messages }),
      rejects: OpenAI.InternalServerError,
      // The span is never ended when the promise rejects, so it is never exported.
      sent: [],
      stored: nothing,
    },
    {
      title: 'bills two calls under an agent span with their summed usage once each',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, output: 100 } },
      ],
      act: ({ client, tracing }) =>
        twoCallsUnder(tracing!, otelAgent('trip-planner'), async () =>
          openaiBilled((await client.chat.completions.create({ model: 'gpt-4o', messages })).usage),
        ),
      sent: [
        { name: 'chat gpt-4o' },
        { name: 'chat gpt-4o' },
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
