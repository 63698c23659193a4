import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedScope, DecodedSpan } from '../../otlp/types.ts';
import { recognizeSpan } from '../classify.ts';
import { canonicalProvider } from '../provider.ts';
import { readUsage } from '../usage.ts';
import { ATTRIBUTION_KEYS, CONVENTIONS, KEYS, PROVIDER_ALIASES } from './index.ts';

const scope = (name: string): DecodedScope => ({ name, version: '1.0.0', attributes: {} });

function span(name: string, attributes: Attributes): DecodedSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    traceState: '',
    name,
    kind: 'CLIENT',
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    links: [],
    status: { code: 'UNSET', message: '' },
  };
}

describe('the conventions registry', () => {
  it('names each record after its file', () => {
    for (const convention of CONVENTIONS) {
      expect(existsSync(new URL(`./${convention.name}.ts`, import.meta.url))).toBe(true);
    }
    expect(new Set(CONVENTIONS.map((c) => c.name)).size).toBe(CONVENTIONS.length);
  });

  it('lists each key once per field', () => {
    const fields = { ...KEYS, ...ATTRIBUTION_KEYS };
    for (const [field, keys] of Object.entries(fields)) {
      expect({ field, keys: [...new Set(keys)] }).toEqual({ field, keys });
    }
  });

  it('spells provider aliases as canonicalProvider compares them', () => {
    for (const alias of PROVIDER_ALIASES.keys()) expect(alias).toBe(alias.trim().toLowerCase());
  });
});

describe('which convention decides a span', () => {
  // The call spans of the emitters in packages/conformance/test/scenarios.ts, as they send them.
  it.each([
    [
      'chat gpt-4o',
      '@opentelemetry/instrumentation-openai',
      { 'gen_ai.operation.name': 'chat' },
      'otel-genai',
    ],
    [
      'anthropic.messages.create',
      'com.anthropic.sdk.typescript',
      { 'gen_ai.operation.name': 'chat' },
      'otel-genai',
    ],
    [
      'chat claude-haiku-4-5',
      '@traceloop/instrumentation-anthropic',
      { 'gen_ai.operation.name': 'chat' },
      'otel-genai',
    ],
    [
      'OpenAI Chat Completions',
      '@arizeai/openinference-instrumentation-openai',
      { 'openinference.span.kind': 'LLM' },
      'openinference',
    ],
    [
      'ai.generateText.doGenerate',
      'ai',
      { 'ai.operationId': 'ai.generateText.doGenerate' },
      'vercel-ai-sdk',
    ],
    ['ai.streamText.doStream', 'ai', {}, 'vercel-ai-sdk'],
    [
      'openai.chat',
      'hand-built',
      { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o' },
      undefined,
    ],
  ] as const)('%s (%s): a call, by %s', (name, scopeName, attrs, convention) => {
    expect(recognizeSpan(span(name, attrs), scope(scopeName))).toEqual({
      role: 'call',
      convention,
    });
  });

  it("tries the AI SDK's operation id before gen_ai.operation.name", () => {
    const outer = span('ai.generateText', {
      'ai.operationId': 'ai.generateText',
      'gen_ai.operation.name': 'chat',
      'ai.usage.inputTokens': 10,
    });
    expect(recognizeSpan(outer, scope('ai'))).toEqual({
      role: 'aggregate',
      convention: 'vercel-ai-sdk',
    });
  });

  it('makes the span with a task outcome the task, whatever else it carries', () => {
    const task = span('triage', {
      'tokenwatch.task.outcome': 'success',
      'gen_ai.operation.name': 'chat',
    });
    expect(recognizeSpan(task, scope('x'))).toEqual({ role: 'task', convention: 'tokenwatch' });
  });
});

describe('precedence between conventions', () => {
  it("reads the OTel names before other conventions' for the same field", () => {
    const attrs = {
      'gen_ai.usage.input_tokens': 100,
      'ai.usage.inputTokens': 999,
      'gen_ai.usage.output_tokens': 5,
      'llm.token_count.completion': 999,
    };
    expect(readUsage(attrs, scope('x'))).toMatchObject({ inputTokens: 100, outputTokens: 5 });
  });

  it('reads every provider key before any system key', () => {
    expect(KEYS.provider).toEqual([
      'gen_ai.provider.name',
      'llm.provider',
      'gen_ai.system',
      'llm.system',
      'ai.model.provider',
    ]);
    expect(KEYS.responseModel.at(-1)).toBe('llm.model_name');
  });

  it("maps every convention's provider spellings, API suffixes included", () => {
    expect(
      ['OpenAI', 'openai.chat', 'az.ai.openai', 'vertexai', 'google.vertex.chat', 'AWS', 'x'].map(
        canonicalProvider,
      ),
    ).toEqual([
      'openai',
      'openai',
      'azure.ai.openai',
      'gcp.vertex_ai',
      'gcp.vertex_ai',
      'aws.bedrock',
      'x',
    ]);
  });
});
