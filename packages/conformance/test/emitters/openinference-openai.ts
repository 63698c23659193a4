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

// The emitter names the response model (`llm.model_name`); the request model only inside the
// `llm.invocation_parameters` JSON, which the collector reads for it (a quirk of the record).
const GPT_4O: Model = {
  provider: 'openai',
  request_model: 'gpt-4o',
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
    'the request model only inside `llm.invocation_parameters` (`llm.model_name` is the response model; the request model on streams)',
    'embeddings spans name their model as `embedding.model_name` and carry no token counts',
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
        { provider: 'openai', request_model: 'o4-mini', response_model: 'o4-mini-2025-04-16' },
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
      title: 'stores an embeddings call with its model, its usage missing (the span has no counts)',
      replies: [{ model: 'text-embedding-3-small', usage: { uncachedInput: 12 } }],
      act: ({ client }) =>
        client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello world' }),
      sent: [
        {
          name: 'OpenAI Embeddings',
          attributes: {
            'openinference.span.kind': 'EMBEDDING',
            'embedding.model_name': 'text-embedding-3-small',
            'llm.model_name': undefined,
            // The provider reports 12 prompt tokens; the instrumentation records none of them.
            'llm.token_count.prompt': undefined,
          },
        },
      ],
      // Its model is known (so a price is too), its tokens are not: NULL cost, never 0. The priced
      // case, an embeddings span with counts, is a collector test (ingest/price-calls.test.ts).
      stored: {
        kind: 'rows',
        rows: [
          {
            span: 'OpenAI Embeddings',
            provider: 'openai',
            operation: 'embeddings',
            request_model: 'text-embedding-3-small',
            response_model: '',
            input_tokens: 0,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
            cache_write_1h_tokens: 0,
            output_tokens: 0,
            reasoning_tokens: 0,
            usage_missing: true,
            cache_unreported: false,
            status: 'ok',
            error_type: '',
            total_cost: null,
          },
        ],
      },
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
