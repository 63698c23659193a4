import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_TOKENWATCH_TASK_OUTCOME,
} from '@tokenwatch/schema/semconv';
import type { DecodedScope, DecodedSpan } from '../otlp/types.ts';
import { hasAny, readString } from './read-attributes.ts';
import { USAGE_KEYS } from './usage.ts';

/**
 * What a span is to Tokenwatch:
 * - `call`: one billable request to a model;
 * - `aggregate`: a span that carries usage summed from the calls under it (agents, workflows, the
 *   Vercel AI SDK's outer spans) — recorded, never billed, or every call would count twice;
 * - `task`: the span that represents a task and its outcome;
 * - `other`: anything else (tools, HTTP, databases).
 */
export type SpanRole = 'call' | 'aggregate' | 'task' | 'other';

/** Operations that are one inference request each. */
const CALL_OPERATIONS = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
  'completion',
  'generate',
]);

/** Vercel AI SDK operations that are the provider request itself (the outer spans repeat usage). */
const AI_SDK_CALL = /^ai\.[A-Za-z]+\.(doGenerate|doStream|doEmbed)$/;

/** Decides the role of a span from the conventions each emitter follows. */
export function classifySpan(span: DecodedSpan, scope: DecodedScope): SpanRole {
  const attrs = span.attributes;
  if (attrs[ATTR_TOKENWATCH_TASK_OUTCOME] !== undefined) return 'task';
  const withUsage = (role: SpanRole): SpanRole =>
    role === 'other' && hasAny(attrs, USAGE_KEYS) ? 'aggregate' : role;

  const operation = readString(attrs, ATTR_GEN_AI_OPERATION_NAME)?.toLowerCase();
  // The AI SDK's operation id is the most specific signal for its spans: its gen_ai.* keys sit on
  // the inner spans only, but its ai.usage.* keys repeat on the outer ones.
  const aiOperation =
    readString(attrs, 'ai.operationId') ?? (scope.name === 'ai' ? span.name : undefined);
  if (aiOperation?.startsWith('ai.'))
    return AI_SDK_CALL.test(aiOperation) ? 'call' : withUsage('other');
  if (operation !== undefined) return CALL_OPERATIONS.has(operation) ? 'call' : withUsage('other');

  const openInferenceKind = readString(attrs, 'openinference.span.kind')?.toUpperCase();
  if (openInferenceKind !== undefined) {
    return openInferenceKind === 'LLM' || openInferenceKind === 'EMBEDDING'
      ? 'call'
      : withUsage('other');
  }
  const traceloopKind = readString(attrs, 'traceloop.span.kind');
  if (traceloopKind !== undefined && traceloopKind !== 'unknown') return withUsage('other');
  const requestType = readString(attrs, 'llm.request.type')?.toLowerCase();
  if (requestType === 'chat' || requestType === 'completion' || requestType === 'embedding')
    return 'call';

  // Hand-built and legacy spans (`openai.chat`): a model plus a provider or usage makes a call.
  const hasModel = hasAny(attrs, [
    'gen_ai.request.model',
    'gen_ai.response.model',
    'llm.model_name',
  ]);
  const hasProvider = hasAny(attrs, [
    'gen_ai.provider.name',
    'gen_ai.system',
    'llm.provider',
    'llm.system',
  ]);
  if (hasModel && (hasProvider || hasAny(attrs, USAGE_KEYS))) return 'call';
  return withUsage('other');
}

/** The operation name to record for a call span. */
export function callOperation(span: DecodedSpan, scope: DecodedScope): string {
  const attrs = span.attributes;
  const operation = readString(attrs, ATTR_GEN_AI_OPERATION_NAME)?.toLowerCase();
  if (operation && CALL_OPERATIONS.has(operation)) return operation;
  const aiOperation = readString(attrs, 'ai.operationId') ?? (scope.name === 'ai' ? span.name : '');
  if (aiOperation.endsWith('.doEmbed')) return 'embeddings';
  if (readString(attrs, 'openinference.span.kind')?.toUpperCase() === 'EMBEDDING')
    return 'embeddings';
  const requestType = readString(attrs, 'llm.request.type')?.toLowerCase();
  if (requestType === 'completion') return 'text_completion';
  if (requestType === 'embedding') return 'embeddings';
  return 'chat';
}
