import { describe, expect, it } from 'vitest';
import type {
  Attributes,
  DecodedScope,
  DecodedSpan,
  DecodedTraces,
  SpanKind,
} from '../otlp/types.ts';
import { type CallParentIndex, normalizeBatch } from './normalize-batch.ts';

// The usage of one request, by kind, as the provider bills it. Each emitter reports it its own way.
const U = 1200; // uncached input
const C = 800; // cache read
const W = 300; // cache write
const O = 150; // output, including reasoning
const R = 40; // reasoning

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_795_000_000_000_000_000n;
let nextId = 1;
const id = () => (nextId++).toString(16).padStart(16, '0');

type SpanInit = {
  name: string;
  attrs: Attributes;
  kind?: SpanKind;
  parent?: DecodedSpan;
  status?: DecodedSpan['status'];
  events?: DecodedSpan['events'];
  spanId?: string;
};

function span(init: SpanInit): DecodedSpan {
  return {
    traceId: TRACE,
    spanId: init.spanId ?? id(),
    parentSpanId: init.parent?.spanId ?? '',
    traceState: '',
    name: init.name,
    kind: init.kind ?? 'CLIENT',
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + 2_000_000_000n,
    attributes: init.attrs,
    droppedAttributesCount: 0,
    events: init.events ?? [],
    links: [],
    status: init.status ?? { code: 'UNSET', message: '' },
  };
}

function batch(
  scopeName: string,
  spans: DecodedSpan[],
  resource: Attributes = { 'service.name': 'agent-svc' },
): DecodedTraces {
  const scope: DecodedScope = { name: scopeName, version: '1.0.0', attributes: {} };
  return {
    resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope, spans }] }],
  };
}

const run = (traces: DecodedTraces, callParents?: CallParentIndex) =>
  normalizeBatch(traces, { tenant: 'acme', callParents });

const tokens = (call: {
  inputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  usageMissing?: boolean;
}) => ({
  input: call.inputTokens,
  cacheRead: call.cacheReadTokens,
  cacheWrite: call.cacheWriteTokens,
  output: call.outputTokens,
  reasoning: call.reasoningTokens,
  missing: call.usageMissing,
});

describe('normalizeBatch: each emitter, one request', () => {
  it('@opentelemetry/instrumentation-openai: inclusive input, no cache split', () => {
    const out = run(
      batch('@opentelemetry/instrumentation-openai', [
        span({
          name: 'chat gpt-4o',
          attrs: {
            'gen_ai.system': 'openai',
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.usage.input_tokens': U + C,
            'gen_ai.usage.output_tokens': O,
            'gen_ai.response.finish_reasons': ['stop'],
          },
        }),
      ]),
    );
    expect(out.calls).toHaveLength(1);
    const [call] = out.calls;
    // The emitter loses the cached part: all of it counts as uncached input.
    expect(tokens(call!)).toEqual({
      input: U + C,
      cacheRead: 0,
      cacheWrite: 0,
      output: O,
      reasoning: 0,
      missing: false,
    });
    expect(call).toMatchObject({
      provider: 'openai',
      operation: 'chat',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      finishReason: 'stop',
      service: 'agent-svc',
      taskId: TRACE,
      status: 'ok',
      // Known by its scope never to report cache: flagged, so zero cache reads read as unknown.
      cacheUnreported: true,
    });
  });

  it('OpenLLMetry Anthropic: input excludes cache under the inclusive name', () => {
    const out = run(
      batch('@traceloop/instrumentation-anthropic', [
        span({
          name: 'chat claude-sonnet-4-5',
          attrs: {
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'claude-sonnet-4-5',
            'gen_ai.usage.input_tokens': U,
            'gen_ai.usage.cache_read.input_tokens': C,
            'gen_ai.usage.cache_creation.input_tokens': W,
            'gen_ai.usage.output_tokens': O,
            'gen_ai.usage.total_tokens': U + O,
          },
        }),
      ]),
    );
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: W,
      output: O,
      reasoning: 0,
      missing: false,
    });
  });

  it('OpenInference OpenAI: INTERNAL LLM span with cache read and reasoning', () => {
    const out = run(
      batch('@arizeai/openinference-instrumentation-openai', [
        span({
          name: 'OpenAI Chat Completions',
          kind: 'INTERNAL',
          attrs: {
            'openinference.span.kind': 'LLM',
            'llm.system': 'openai',
            'llm.model_name': 'o3-mini-2025-01-31',
            'llm.token_count.prompt': U + C,
            'llm.token_count.prompt_details.cache_read': C,
            'llm.token_count.completion': O,
            'llm.token_count.completion_details.reasoning': R,
            'llm.token_count.total': U + C + O,
          },
        }),
      ]),
    );
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: 0,
      output: O,
      reasoning: R,
      missing: false,
    });
    expect(out.calls[0]).toMatchObject({
      provider: 'openai',
      responseModel: 'o3-mini-2025-01-31',
      operation: 'chat',
    });
  });

  it('OpenInference embeddings: the model from embedding.model_name, as the request model', () => {
    // The shape of emitters-observed.md: no token counts, the model only as `embedding.model_name`.
    const out = run(
      batch('@arizeai/openinference-instrumentation-openai', [
        span({
          name: 'OpenAI Embeddings',
          kind: 'INTERNAL',
          attrs: {
            'openinference.span.kind': 'EMBEDDING',
            'llm.system': 'openai',
            'embedding.model_name': 'text-embedding-3-small',
            'embedding.embeddings.0.embedding.text': 'hello',
          },
        }),
      ]),
    );
    expect(out.calls[0]).toMatchObject({
      provider: 'openai',
      requestModel: 'text-embedding-3-small',
      responseModel: '',
      operation: 'embeddings',
      usageMissing: true,
    });
  });

  describe('OpenInference LLM spans: the request model from llm.invocation_parameters', () => {
    const llmSpan = (attrs: Attributes) =>
      run(
        batch('@arizeai/openinference-instrumentation-openai', [
          span({
            name: 'OpenAI Chat Completions',
            kind: 'INTERNAL',
            attrs: {
              'openinference.span.kind': 'LLM',
              'llm.system': 'openai',
              'llm.token_count.prompt': U,
              'llm.token_count.completion': O,
              ...attrs,
            },
          }),
        ]),
      ).calls[0]!;

    it('reads the model of the parameters when no model attribute names it', () => {
      const call = llmSpan({
        'llm.invocation_parameters': '{"model":"gpt-4o-mini","temperature":0.2}',
      });
      expect(call).toMatchObject({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        responseModel: '',
      });
    });

    it('keeps llm.model_name as the response model beside it', () => {
      const call = llmSpan({
        'llm.model_name': 'gpt-4o-mini-2024-07-18',
        'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
      });
      expect(call).toMatchObject({
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
      });
    });

    it('prefers a request model attribute to the parameters', () => {
      const call = llmSpan({
        'llm.request.model_name': 'gpt-4o',
        'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
      });
      expect(call.requestModel).toBe('gpt-4o');
    });

    it.each([
      ['malformed JSON', '{"model":"gpt-4o-mini"'],
      ['a JSON array', '[{"model":"gpt-4o-mini"}]'],
      ['a model that is no string', '{"model":42}'],
      ['an empty model', '{"model":""}'],
      ['no model', '{"temperature":0.2}'],
      ['a model only nested deeper', '{"tools":[{"model":"x"}]}'],
      ['a model name too long to be one', JSON.stringify({ model: 'x'.repeat(300) })],
      ['oversized parameters', JSON.stringify({ model: 'gpt-4o-mini', pad: 'x'.repeat(70_000) })],
    ])('ignores %s and still stores the call', (_, parameters) => {
      const out = run(
        batch('@arizeai/openinference-instrumentation-openai', [
          span({
            name: 'OpenAI Chat Completions',
            kind: 'INTERNAL',
            attrs: {
              'openinference.span.kind': 'LLM',
              'llm.system': 'openai',
              'llm.token_count.prompt': U,
              'llm.token_count.completion': O,
              'llm.invocation_parameters': parameters,
            },
          }),
        ]),
      );
      expect(out.rejected).toEqual([]);
      expect(out.calls[0]).toMatchObject({ requestModel: '', responseModel: '' });
    });
  });

  it('OpenInference Anthropic around the SDK span: billed once, at the SDK span', () => {
    const outer = span({
      name: 'Anthropic Messages',
      kind: 'INTERNAL',
      attrs: {
        'openinference.span.kind': 'LLM',
        'llm.provider': 'anthropic',
        'llm.model_name': 'claude-sonnet-4-5-20250929',
        'llm.token_count.prompt': U + C + W,
        'llm.token_count.prompt_details.cache_read': C,
        'llm.token_count.prompt_details.cache_write': W,
        'llm.token_count.completion': O,
      },
    });
    const inner = span({
      name: 'anthropic.messages.create',
      parent: outer,
      attrs: {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.usage.input_tokens': U + C + W,
        'gen_ai.usage.cache_read.input_tokens': C,
        'gen_ai.usage.cache_write.input_tokens': W,
        'gen_ai.usage.output_tokens': O,
      },
    });
    // The instrumentation's span ends after the SDK's, so it is exported after it.
    const out = run({
      resourceSpans: [
        {
          resource: { attributes: {} },
          scopeSpans: [
            {
              scope: { name: 'com.anthropic.sdk.typescript', version: '1.12.0', attributes: {} },
              spans: [inner],
            },
            {
              scope: {
                name: '@arizeai/openinference-instrumentation-anthropic',
                version: '0.2.8',
                attributes: {},
              },
              spans: [outer],
            },
          ],
        },
      ],
    });
    expect(out.calls.map((c) => c.spanId)).toEqual([inner.spanId]);
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: W,
      output: O,
      reasoning: 0,
      missing: false,
    });
    expect(out.doubleReported).toBe(1);
    expect(out.spans).toHaveLength(2);
  });

  it('a second report that arrives in a later batch is not billed either', () => {
    const seen = new Set<string>();
    const index: CallParentIndex = {
      has: (t, s) => seen.has(`${t}/${s}`),
      add: (t, s) => seen.add(`${t}/${s}`),
    };
    const outer = span({
      name: 'Anthropic Messages',
      kind: 'INTERNAL',
      attrs: {
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt': 10,
        'llm.token_count.completion': 1,
      },
    });
    const inner = span({
      name: 'anthropic.messages.create',
      parent: outer,
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 1,
      },
    });
    expect(run(batch('com.anthropic.sdk.typescript', [inner]), index).calls).toHaveLength(1);
    const later = run(batch('@arizeai/openinference-instrumentation-anthropic', [outer]), index);
    expect(later.calls).toHaveLength(0);
    expect(later.doubleReported).toBe(1);
  });

  it('a second report that arrives after the first is billed once, at the first', () => {
    const seen = new Set<string>();
    const index = (prefix: string): CallParentIndex => ({
      has: (t, s) => seen.has(`${prefix}/${t}/${s}`),
      add: (t, s) => seen.add(`${prefix}/${t}/${s}`),
    });
    const indexes = { callParents: index('parents'), billedCalls: index('billed') };
    const outer = span({
      name: 'Anthropic Messages',
      kind: 'INTERNAL',
      attrs: {
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt': 10,
        'llm.token_count.completion': 1,
      },
    });
    const inner = span({
      name: 'anthropic.messages.create',
      parent: outer,
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 1,
      },
    });
    const first = normalizeBatch(
      batch('@arizeai/openinference-instrumentation-anthropic', [outer]),
      { tenant: 'acme', ...indexes },
    );
    expect(first.calls.map((c) => c.spanId)).toEqual([outer.spanId]);
    const second = normalizeBatch(batch('com.anthropic.sdk.typescript', [inner]), {
      tenant: 'acme',
      ...indexes,
    });
    expect(second.calls).toEqual([]);
    expect(second.doubleReported).toBe(1);
  });

  it('Vercel AI SDK v6: bills doGenerate, not the outer span that repeats its usage', () => {
    const outer = span({
      name: 'ai.generateText',
      kind: 'INTERNAL',
      attrs: {
        'ai.operationId': 'ai.generateText',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'ai.usage.inputTokens': U + C + W,
        'ai.usage.outputTokens': O,
        'ai.telemetry.metadata.agent': 'summarizer',
        'ai.telemetry.metadata.team': 'growth',
      },
    });
    const inner = span({
      name: 'ai.generateText.doGenerate',
      kind: 'INTERNAL',
      parent: outer,
      attrs: {
        'ai.operationId': 'ai.generateText.doGenerate',
        'gen_ai.system': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.usage.input_tokens': U + C + W,
        'ai.usage.inputTokens': U + C + W,
        'ai.usage.inputTokenDetails.noCacheTokens': U,
        'ai.usage.inputTokenDetails.cacheReadTokens': C,
        'ai.usage.inputTokenDetails.cacheWriteTokens': W,
        'gen_ai.usage.output_tokens': O,
        'ai.response.finishReason': 'stop',
      },
    });
    const out = run(batch('ai', [inner, outer]));
    expect(out.calls.map((c) => c.spanId)).toEqual([inner.spanId]);
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: W,
      output: O,
      reasoning: 0,
      missing: false,
    });
    expect(out.calls[0]).toMatchObject({
      provider: 'anthropic',
      agent: 'summarizer',
      team: 'growth',
      finishReason: 'stop',
    });
    expect(out.aggregates).toBe(1);
    // The outer span is the root of the agent's work: a task, outcome unknown until told.
    expect(out.tasks).toHaveLength(1);
    expect(out.tasks[0]).toMatchObject({ taskId: TRACE, agent: 'summarizer', outcome: 'unknown' });
  });

  it('Vercel AI SDK v7 (gen_ai tracer): invoke_agent > step > chat, agent inherited from the root', () => {
    const root = span({
      name: 'invoke_agent gpt-4o',
      kind: 'INTERNAL',
      attrs: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'researcher',
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': U + C,
        'gen_ai.usage.output_tokens': O,
      },
      status: { code: 'OK', message: '' },
    });
    const step = span({
      name: 'step 1',
      kind: 'INTERNAL',
      parent: root,
      attrs: { 'gen_ai.operation.name': 'agent_step' },
    });
    const chat = span({
      name: 'chat gpt-4o',
      parent: step,
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.usage.input_tokens': U + C,
        'gen_ai.usage.cache_read.input_tokens': C,
        'gen_ai.usage.output_tokens': O,
      },
    });
    const out = run(batch('gen_ai', [chat, step, root]));
    expect(out.calls).toHaveLength(1);
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: 0,
      output: O,
      reasoning: 0,
      missing: false,
    });
    expect(out.calls[0]!.agent).toBe('researcher');
    expect(out.aggregates).toBe(1);
    expect(out.tasks[0]).toMatchObject({
      outcome: 'success',
      agent: 'researcher',
      name: 'researcher',
    });
  });

  it('raw legacy spans: pre-1.27 names, no operation', () => {
    const out = run(
      batch('hand-built', [
        span({
          name: 'openai.chat',
          attrs: {
            'gen_ai.system': 'OpenAI',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.prompt_tokens': 900,
            'gen_ai.usage.completion_tokens': 60,
          },
        }),
      ]),
    );
    expect(tokens(out.calls[0]!)).toEqual({
      input: 900,
      cacheRead: 0,
      cacheWrite: 0,
      output: 60,
      reasoning: 0,
      missing: false,
    });
    expect(out.calls[0]!.provider).toBe('openai');
  });

  it('a current semconv span with cache write and reasoning', () => {
    const out = run(
      batch('hand-built', [
        span({
          name: 'chat claude-opus-4-1',
          attrs: {
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'claude-opus-4-1',
            'gen_ai.usage.input_tokens': U + C + W,
            'gen_ai.usage.cache_read.input_tokens': C,
            'gen_ai.usage.cache_write.input_tokens': W,
            'gen_ai.usage.output_tokens': O,
            'gen_ai.usage.reasoning.output_tokens': R,
            'tokenwatch.prefix_hash': 'p:abc123',
            'tokenwatch.request_hash': 'r:def456',
          },
        }),
      ]),
    );
    expect(tokens(out.calls[0]!)).toEqual({
      input: U,
      cacheRead: C,
      cacheWrite: W,
      output: O,
      reasoning: R,
      missing: false,
    });
    expect(out.calls[0]!.prefixHash).toBe('p:abc123');
    expect(out.calls[0]!.requestHash).toBe('r:def456');
    expect(out.calls[0]!.cacheUnreported).toBe(false);
  });

  it("the Anthropic SDK's span: the 1-hour part of the cache writes, capped at the writes", () => {
    const sdkSpan = (oneHour: number) =>
      run(
        batch('com.anthropic.sdk.typescript', [
          span({
            name: 'anthropic.messages.create',
            attrs: {
              'gen_ai.provider.name': 'anthropic',
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'claude-haiku-4-5',
              'gen_ai.usage.input_tokens': U + C + W,
              'gen_ai.usage.cache_read.input_tokens': C,
              'gen_ai.usage.cache_write.input_tokens': W,
              'anthropic.usage.cache_creation.ephemeral_5m_input_tokens': W - oneHour,
              'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': oneHour,
              'gen_ai.usage.output_tokens': O,
            },
          }),
        ]),
      ).calls[0]!;
    expect(sdkSpan(100)).toMatchObject({
      inputTokens: U,
      cacheWriteTokens: W,
      cacheWrite1hTokens: 100,
      cacheUnreported: false,
    });
    // More 1-hour writes than writes is a bad span; never more than the writes.
    expect(sdkSpan(W + 50).cacheWrite1hTokens).toBe(W);
  });
});

describe('normalizeBatch: calls without usage, failures, bad values', () => {
  it('records a stream that reported no usage as missing, not as zero', () => {
    const out = run(
      batch('@traceloop/instrumentation-openai', [
        span({
          name: 'chat gpt-4o',
          attrs: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.provider.name': 'openai',
          },
        }),
      ]),
    );
    expect(out.calls[0]!.usageMissing).toBe(true);
    // Other emitters record no request hash: the failures report then falls back to its heuristic.
    expect(out.calls[0]!.requestHash).toBe('');
  });

  it('records a failed call with its error type and no usage as a real zero', () => {
    const failed = span({
      name: 'chat gpt-4o',
      attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
      status: { code: 'ERROR', message: '500 internal error' },
      events: [
        {
          name: 'exception',
          timeUnixNano: T0,
          attributes: { 'exception.type': 'InternalServerError' },
        },
      ],
    });
    const out = run(batch('x', [failed]));
    expect(out.calls[0]).toMatchObject({
      status: 'error',
      errorType: 'InternalServerError',
      usageMissing: false,
      inputTokens: 0,
    });
  });

  it.each([
    ['negative', -5],
    ['fractional', 12.5],
    ['NaN', Number.NaN],
    ['huge', 1e15],
    ['not a number', 'lots'],
    ['a list', [1, 2]],
  ])('rejects a span whose token count is %s, and keeps the others', (_label, bad) => {
    const good = span({
      name: 'chat a',
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.output_tokens': 1,
      },
    });
    const wrong = span({
      name: 'chat b',
      attrs: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': bad as number,
        'gen_ai.usage.output_tokens': 1,
      },
    });
    const out = run(batch('x', [good, wrong]));
    expect(out.calls.map((c) => c.spanId)).toEqual([good.spanId]);
    expect(out.rejected).toEqual([
      {
        traceId: TRACE,
        spanId: wrong.spanId,
        reason: expect.stringMatching(/gen_ai\.usage\.input_tokens is not a token count/),
      },
    ]);
    expect(out.spans.map((s) => s.span.spanId)).toEqual([good.spanId]);
  });

  it('accepts token counts sent as digit strings and bigints', () => {
    const out = run(
      batch('x', [
        span({
          name: 'chat',
          attrs: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.usage.input_tokens': '700',
            'gen_ai.usage.output_tokens': 9n,
          },
        }),
      ]),
    );
    expect(tokens(out.calls[0]!)).toMatchObject({ input: 700, output: 9 });
  });

  it('rejects a span with an invalid id and keeps the rest', () => {
    const bad = span({ name: 'chat', spanId: 'xyz', attrs: { 'gen_ai.operation.name': 'chat' } });
    const ok = span({ name: 'chat', attrs: { 'gen_ai.operation.name': 'chat' } });
    const out = run(batch('x', [bad, ok]));
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]!.reason).toMatch(/span id/);
    expect(out.calls).toHaveLength(1);
  });

  it('treats an all-zero parent id as a root', () => {
    const root = span({ name: 'invoke_agent', attrs: { 'gen_ai.operation.name': 'invoke_agent' } });
    root.parentSpanId = '0000000000000000';
    const out = run(batch('x', [root]));
    expect(out.rejected).toEqual([]);
    expect(out.tasks).toHaveLength(1);
  });

  it('does not bill tools, workflows and plain spans', () => {
    const out = run(
      batch('x', [
        span({
          name: 'execute_tool search',
          kind: 'INTERNAL',
          attrs: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
        }),
        span({ name: 'GET /', kind: 'SERVER', attrs: { 'http.request.method': 'GET' } }),
        span({
          name: 'workflow',
          kind: 'INTERNAL',
          attrs: { 'traceloop.span.kind': 'workflow', 'gen_ai.usage.input_tokens': 5 },
        }),
      ]),
    );
    expect(out.calls).toEqual([]);
    expect(out.aggregates).toBe(1);
    expect(out.spans).toHaveLength(3);
  });
});

describe('normalizeBatch: attribution and tasks', () => {
  it('takes tokenwatch overrides over standard names, then resource, then rules', () => {
    const task = span({
      name: 'triage ticket',
      kind: 'INTERNAL',
      attrs: {
        'tokenwatch.task.id': 'task-42',
        'tokenwatch.task.name': 'triage',
        'tokenwatch.task.outcome': 'partial',
        'gen_ai.agent.name': 'triager',
        'user.id': 'u-1',
        'session.id': 's-1',
      },
    });
    const call = span({
      name: 'chat gpt-4o',
      parent: task,
      attrs: {
        'gen_ai.operation.name': 'chat',
        'tokenwatch.agent': 'triager-v2',
        'gen_ai.agent.name': 'ignored',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 2,
      },
    });
    const traces = batch('@tokenwatch/instrumentation', [call, task], {
      'service.name': 'support-bot',
      'deployment.environment.name': 'prod',
      'k8s.namespace.name': 'team-support',
    });
    const out = normalizeBatch(traces, {
      tenant: 't1',
      rules: [{ field: 'team', attribute: 'k8s.namespace.name' }],
    });
    expect(out.calls[0]).toMatchObject({
      tenant: 't1',
      taskId: 'task-42',
      agent: 'triager-v2',
      userId: 'u-1',
      sessionId: 's-1',
      service: 'support-bot',
      environment: 'prod',
      team: 'team-support',
    });
    expect(out.tasks).toEqual([
      expect.objectContaining({
        taskId: 'task-42',
        name: 'triage',
        outcome: 'partial',
        agent: 'triager',
        team: 'team-support',
        updatedAt: T0 + 2_000_000_000n,
      }),
    ]);
  });

  describe('an agent nothing names', () => {
    const task = span({
      name: 'task triage',
      kind: 'INTERNAL',
      attrs: {
        'tokenwatch.task.id': 'task-7',
        'tokenwatch.task.name': 'triage',
        'tokenwatch.task.outcome': 'success',
      },
    });
    const call = (attrs: Attributes = {}) =>
      span({
        name: 'chat gpt-4o',
        parent: task,
        attrs: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 2,
          ...attrs,
        },
      });
    const agents = (out: ReturnType<typeof run>) => ({
      call: out.calls[0]?.agent,
      task: out.tasks[0]?.agent,
    });

    it('is the service, when only the resource names the service', () => {
      const out = run(batch('x', [call(), task], { 'service.name': 'support-bot' }));
      expect(agents(out)).toEqual({ call: 'support-bot', task: 'support-bot' });
      expect(out.calls[0]?.service).toBe('support-bot');
    });

    it("stays blank under the SDK's default service name", () => {
      for (const service of ['unknown_service:node', 'unknown_service']) {
        const out = run(batch('x', [call(), task], { 'service.name': service }));
        expect(agents(out)).toEqual({ call: '', task: '' });
      }
      expect(agents(run(batch('x', [call(), task], {})))).toEqual({ call: '', task: '' });
    });

    it('yields to any agent named on the span, an ancestor, the resource or a rule', () => {
      const resource = { 'service.name': 'support-bot' };
      const own = run(batch('x', [call({ 'gen_ai.agent.name': 'triager' }), task], resource));
      expect(agents(own)).toEqual({ call: 'triager', task: 'support-bot' });
      const namedTask = span({
        name: 'task triage',
        kind: 'INTERNAL',
        attrs: {
          'tokenwatch.task.id': 'task-8',
          'tokenwatch.task.outcome': 'success',
          'gen_ai.agent.name': 'planner',
        },
      });
      const inherited = run(
        batch('x', [{ ...call(), parentSpanId: namedTask.spanId }, namedTask], resource),
      );
      expect(agents(inherited)).toEqual({ call: 'planner', task: 'planner' });
      const fromResource = run(
        batch('x', [call(), task], { ...resource, 'tokenwatch.agent': 'bot-v2' }),
      );
      expect(agents(fromResource)).toEqual({ call: 'bot-v2', task: 'bot-v2' });
      const byRule = normalizeBatch(
        batch('x', [call(), task], { ...resource, 'k8s.deployment.name': 'triage-worker' }),
        { tenant: 'acme', rules: [{ field: 'agent', attribute: 'k8s.deployment.name' }] },
      );
      expect(agents(byRule)).toEqual({ call: 'triage-worker', task: 'triage-worker' });
    });
  });

  it('marks a failed task span as a failure with its message', () => {
    const out = run(
      batch('x', [
        span({
          name: 'task',
          attrs: { 'tokenwatch.task.id': 't', 'tokenwatch.task.outcome': 'unknown-word' },
          status: { code: 'ERROR', message: 'budget exceeded' },
        }),
      ]),
    );
    expect(out.tasks[0]).toMatchObject({ outcome: 'failure', error: 'budget exceeded' });
  });
});
