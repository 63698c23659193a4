import { createPricer } from '@tokenwatch/pricing';
import { describe, expect, it } from 'vitest';
import { normalizeBatch } from '../normalize/normalize-batch.ts';
import type { Attributes, DecodedTraces } from '../otlp/types.ts';
import { priceCall } from './price-calls.ts';

const T0 = 1_795_000_000_000_000_000n;

/** One OpenInference span, normalized and priced with the bundled prices. */
function priceOpenInference(name: string, attributes: Attributes) {
  const traces: DecodedTraces = {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'agent-svc' } },
        scopeSpans: [
          {
            scope: {
              name: '@arizeai/openinference-instrumentation-openai',
              version: '4.2.7',
              attributes: {},
            },
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: '00f067aa0ba902b7',
                parentSpanId: '',
                traceState: '',
                name,
                kind: 'INTERNAL',
                startTimeUnixNano: T0,
                endTimeUnixNano: T0 + 1_000_000_000n,
                attributes,
                droppedAttributesCount: 0,
                events: [],
                links: [],
                status: { code: 'OK', message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
  const [call] = normalizeBatch(traces, { tenant: 'acme' }).calls;
  const priced = priceCall(call!, createPricer());
  if ('rejected' in priced) throw new Error(priced.rejected);
  return priced;
}

describe('priceCall: models that only OpenInference attributes name', () => {
  it('prices an embeddings span by embedding.model_name', () => {
    const priced = priceOpenInference('OpenAI Embeddings', {
      'openinference.span.kind': 'EMBEDDING',
      'llm.system': 'openai',
      'embedding.model_name': 'text-embedding-3-small',
      // Instrumentations that count embeddings tokens report them as the prompt count.
      'llm.token_count.prompt': 5000,
    });
    // text-embedding-3-small: $0.02 per million input tokens: 5000 × 0.02 / 1e6 = 0.0001
    expect(priced).toMatchObject({
      unpriced: false,
      call: {
        operation: 'embeddings',
        requestModel: 'text-embedding-3-small',
        inputTokens: 5000,
        totalCost: '0.0001',
        priceSource: 'genai-prices',
      },
    });
  });

  it('prices an LLM span by the model of its invocation parameters', () => {
    const priced = priceOpenInference('OpenAI Chat Completions', {
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini","temperature":0}',
      'llm.token_count.prompt': 2000,
      'llm.token_count.prompt_details.cache_read': 1000,
      'llm.token_count.completion': 300,
    });
    // gpt-4o-mini: $0.15 per million input, $0.075 cached input, $0.60 output:
    //   input 1000 × 0.15 / 1e6 = 0.00015; cache read 1000 × 0.075 / 1e6 = 0.000075;
    //   output 300 × 0.60 / 1e6 = 0.00018; total 0.000405
    expect(priced).toMatchObject({
      unpriced: false,
      call: {
        requestModel: 'gpt-4o-mini',
        responseModel: '',
        inputTokens: 1000,
        cacheReadTokens: 1000,
        totalCost: '0.000405',
      },
    });
  });
});
