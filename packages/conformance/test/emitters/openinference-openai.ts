import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import {
  messages,
  openaiBilled,
  openaiStream,
  openInferenceAgent,
  twoCallsUnder,
} from '../drivers.ts';
import { billed, defineEmitter, inProcess, type Model, missing, nothing } from '../emitter.ts';
import { startTracing } from '../harness.ts';

// The emitter names only the response model (`llm.model_name`); the request model is inside the
// `llm.invocation_parameters` JSON, which the collector does not read, so request_model is empty.
const GPT_4O: Model = {
  provider: 'openai',
  request_model: '',
  response_model: 'gpt-4o-2024-08-06',
};

/**
 * OpenInference's OpenAI instrumentation on openai 6.x: one INTERNAL `OpenAI Chat Completions`
 * span per call (`openinference.span.kind=LLM`) with the full split.
 */
export const openInferenceOpenAi = defineEmitter<OpenAI>({
  title: 'OpenInference OpenAI',
  packages: '@arizeai/openinference-instrumentation-openai 4.2.7, openai 6.x',
  convention: 'openinference',
  split: { cacheRead: 'apart', cacheWrite: 'in-input', reasoning: 'apart' },
  quirks: [
    'call spans are INTERNAL',
    'no request model (only `llm.model_name`, the response model; the request model on streams)',
    'streams carry no usage',
    'a failed request exports no span',
  ],
  setup(backend) {
    const tracing = startTracing(backend, { service: 'openinference-openai', global: false });
    const instrumentation = new OpenAIInstrumentation({ tracerProvider: tracing.provider });
    // Require hooks do not patch an ESM import of the SDK; the manual API patches the class itself.
    instrumentation.manuallyInstrument(OpenAI);
    // No retries: a scripted 500 must be one request, as the test scripts one reply.
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: backend.fake.openaiBaseUrl,
      maxRetries: 0,
    });
    return inProcess(tracing, client, () => instrumentation.disable());
  },
  scenarios: [
    {
      title: 'prices cached prompt tokens at the cache-read price',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, cacheRead: 800, output: 150 } },
      ],
      act: ({ client }) => client.chat.completions.create({ model: 'gpt-4o', messages }),
      sent: [
        {
          name: 'OpenAI Chat Completions',
          attributes: {
            'openinference.span.kind': 'LLM',
            'llm.token_count.prompt': 2000,
            'llm.token_count.prompt_details.cache_read': 800,
          },
        },
      ],
      // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
      //   input 1200 × 2.50 / 1e6 = 0.003; cache read 800 × 1.25 / 1e6 = 0.001;
      //   output 150 × 10 / 1e6 = 0.0015; total 0.0055
      stored: billed('OpenAI Chat Completions', GPT_4O, '0.0055'),
    },
    {
      title: 'counts reasoning tokens as part of the output',
      replies: [
        {
          model: 'o4-mini-2025-04-16',
          usage: { uncachedInput: 1200, cacheRead: 800, output: 3000, reasoning: 2400 },
        },
      ],
      act: ({ client }) => client.chat.completions.create({ model: 'o4-mini', messages }),
      // o4-mini: $1.10 per million input, $0.275 cached input, $4.40 output (reasoning included):
      //   input 1200 × 1.10 / 1e6 = 0.00132; cache read 800 × 0.275 / 1e6 = 0.00022;
      //   output 3000 × 4.40 / 1e6 = 0.0132; total 0.01474
      //   (adding the 2400 reasoning tokens on top would bill 5400 output tokens: 0.02376)
      stored: billed(
        'OpenAI Chat Completions',
        { provider: 'openai', request_model: '', response_model: 'o4-mini-2025-04-16' },
        '0.01474',
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
      // The provider does send usage (the app sees it); the instrumentation does not record it.
      act: ({ client }) => openaiStream(client, 'gpt-4o'),
      sent: [
        { name: 'OpenAI Chat Completions', attributes: { 'llm.token_count.prompt': undefined } },
      ],
      // On streams `llm.model_name` is the request model: the response's dated model is not known.
      stored: missing('OpenAI Chat Completions', { ...GPT_4O, response_model: 'gpt-4o' }),
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
      title: 'bills two calls under an AGENT span with their summed usage once each',
      replies: [
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 50 } },
        { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 700, cacheRead: 500, output: 100 } },
      ],
      act: ({ client, tracing }) =>
        twoCallsUnder(tracing!, openInferenceAgent('trip-planner'), async () =>
          openaiBilled((await client.chat.completions.create({ model: 'gpt-4o', messages })).usage),
        ),
      sent: [
        { name: 'OpenAI Chat Completions', attributes: { 'llm.token_count.prompt': 1000 } },
        { name: 'OpenAI Chat Completions', attributes: { 'llm.token_count.prompt': 1200 } },
        { name: 'trip-planner', attributes: { 'llm.token_count.prompt': 2200 } },
      ],
      // gpt-4o: $2.50 per million input, $1.25 cached input, $10 output:
      //   call 1: 1000 × 2.50 / 1e6 = 0.0025 + 50 × 10 / 1e6 = 0.0005 → 0.003
      //   call 2: 700 × 2.50 / 1e6 = 0.00175 + 500 × 1.25 / 1e6 = 0.000625
      //           + 100 × 10 / 1e6 = 0.001 → 0.003375
      //   together 0.006375
      stored: {
        kind: 'columns',
        columns: ['span', 'input_tokens', 'cache_read_tokens', 'output_tokens', 'total_cost'],
        rows: [
          ['OpenAI Chat Completions', 1000, 0, 50, '0.003'],
          ['OpenAI Chat Completions', 700, 500, 100, '0.003375'],
        ],
        totalCost: '0.006375',
      },
    },
  ],
});
