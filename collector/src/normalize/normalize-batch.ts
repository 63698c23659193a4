import type { LlmCall, TaskInput, TaskOutcome } from '@tokenwatch/schema';
import { TASK_OUTCOMES } from '@tokenwatch/schema';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_TOKENWATCH_PREFIX_HASH,
  ATTR_TOKENWATCH_REQUEST_HASH,
  ATTR_TOKENWATCH_TASK_NAME,
  ATTR_TOKENWATCH_TASK_OUTCOME,
} from '@tokenwatch/schema/semconv';
import type { Attributes, DecodedScope, DecodedSpan, DecodedTraces } from '../otlp/types.ts';
import { validateSpan } from '../otlp/validate-span.ts';
import { type AttributionRule, resolveAttribution } from './attribution.ts';
import { callOperation, classifySpan, type SpanRole } from './classify.ts';
import { canonicalProvider, providerFromModel } from './provider.ts';
import { readString, readStringList, readUsd } from './read-attributes.ts';
import { readUsage } from './usage.ts';

/** A call ready for pricing: every LlmCall field but the prices, plus what the emitter says it cost. */
export type NormalizedCall = Omit<
  LlmCall,
  | 'inputCost'
  | 'cacheReadCost'
  | 'cacheWriteCost'
  | 'outputCost'
  | 'totalCost'
  | 'priceSource'
  | 'priceVersion'
  | 'contextWindow'
  | 'attributes'
> & { reportedCostUsd: string | undefined };

/** A span that passed validation, with its context, for raw storage. */
export type AcceptedSpan = {
  span: DecodedSpan;
  resource: Attributes;
  scope: DecodedScope;
  role: SpanRole;
};

/** A span refused on its own (OTLP partial success); the rest of its batch is kept. */
export type RejectedSpan = { traceId: string; spanId: string; reason: string };

/** What one export request turned into. */
export type NormalizedBatch = {
  spans: AcceptedSpan[];
  calls: NormalizedCall[];
  tasks: TaskInput[];
  rejected: RejectedSpan[];
  /** Call spans not billed because a call span under them reports the same request. */
  doubleReported: number;
  aggregates: number;
};

/**
 * A bounded memory of span keys across batches. Two are kept: the parents of recent call spans (a
 * call whose child call was already seen is a second report of that request: an instrumentation's
 * span around the SDK's own), and recently billed call spans (a call whose parent call was already
 * billed is the second report, arriving after the first).
 */
export type CallParentIndex = {
  has(traceId: string, spanId: string): boolean;
  add(traceId: string, spanId: string): void;
};

/** Options of {@link normalizeBatch}. */
export type NormalizeOptions = {
  tenant: string;
  rules?: readonly AttributionRule[];
  callParents?: CallParentIndex;
  billedCalls?: CallParentIndex;
};

const ZERO_SPAN_ID = '0000000000000000';
const MAX_ANCESTORS = 32;

type Entry = { span: DecodedSpan; resource: Attributes; scope: DecodedScope; role: SpanRole };

/**
 * Turns decoded spans into billable calls and tasks. Rules, in order: invalid spans are rejected
 * one by one; aggregate spans are never billed; a call span with a call span under it (the same
 * request reported by two instrumentations) is not billed either, so each request counts once at
 * the innermost report; attribution falls back from the span to its ancestors in the batch to the
 * resource to the configured rules.
 */
export function normalizeBatch(traces: DecodedTraces, options: NormalizeOptions): NormalizedBatch {
  const result: NormalizedBatch = {
    spans: [],
    calls: [],
    tasks: [],
    rejected: [],
    doubleReported: 0,
    aggregates: 0,
  };
  const entries: Entry[] = [];
  const bySpan = new Map<string, Entry>();
  const callParents = new Set<string>();

  for (const resourceSpans of traces.resourceSpans) {
    const resource = resourceSpans.resource.attributes;
    for (const { scope, spans } of resourceSpans.scopeSpans) {
      for (const span of spans) {
        if (span.parentSpanId === ZERO_SPAN_ID) span.parentSpanId = '';
        const reason = validateSpan(span);
        if (reason !== null) {
          result.rejected.push({ traceId: span.traceId, spanId: span.spanId, reason });
          continue;
        }
        const entry = { span, resource, scope, role: classifySpan(span, scope) };
        entries.push(entry);
        bySpan.set(`${span.traceId}/${span.spanId}`, entry);
        if (entry.role === 'call' && span.parentSpanId !== '') {
          callParents.add(`${span.traceId}/${span.parentSpanId}`);
          options.callParents?.add(span.traceId, span.parentSpanId);
        }
      }
    }
  }

  for (const entry of entries) {
    const { span } = entry;
    const ancestors: Attributes[] = [];
    for (
      let parent = bySpan.get(`${span.traceId}/${span.parentSpanId}`);
      parent && ancestors.length < MAX_ANCESTORS;
      parent = bySpan.get(`${span.traceId}/${parent.span.parentSpanId}`)
    ) {
      ancestors.push(parent.span.attributes);
    }
    if (entry.role === 'call') {
      // Which of two reports of one request gets billed depends on arrival: together, the inner
      // one (it has the provider's own numbers); apart, whichever came first, since a billed row
      // cannot be taken back without corrupting the rollup.
      const wrapsCall =
        callParents.has(`${span.traceId}/${span.spanId}`) ||
        options.callParents?.has(span.traceId, span.spanId);
      const insideBilledCall =
        span.parentSpanId !== '' && options.billedCalls?.has(span.traceId, span.parentSpanId);
      if (wrapsCall || insideBilledCall) {
        entry.role = 'aggregate';
        result.doubleReported++;
      } else {
        try {
          result.calls.push(toCall(entry, ancestors, options));
          options.billedCalls?.add(span.traceId, span.spanId);
        } catch (err) {
          result.rejected.push({
            traceId: span.traceId,
            spanId: span.spanId,
            reason: (err as Error).message,
          });
          continue;
        }
      }
    }
    if (entry.role === 'aggregate') result.aggregates++;
    const task = toTask(entry, ancestors, options);
    if (task) result.tasks.push(task);
    result.spans.push(entry);
  }
  return result;
}

function toCall(entry: Entry, ancestors: Attributes[], options: NormalizeOptions): NormalizedCall {
  const { span, resource, scope } = entry;
  const attrs = span.attributes;
  const usage = readUsage(attrs, scope);
  const requestModel =
    readString(attrs, ATTR_GEN_AI_REQUEST_MODEL, 'llm.request.model_name', 'ai.model.id') ?? '';
  const responseModel =
    readString(
      attrs,
      ATTR_GEN_AI_RESPONSE_MODEL,
      'llm.response.model_name',
      'ai.response.model',
      'llm.model_name',
    ) ?? '';
  const provider =
    canonicalProvider(
      readString(
        attrs,
        ATTR_GEN_AI_PROVIDER_NAME,
        'llm.provider',
        ATTR_GEN_AI_SYSTEM,
        'llm.system',
        'ai.model.provider',
      ),
    ) || providerFromModel(responseModel || requestModel);
  const failed = span.status.code === 'ERROR';
  const attribution = resolveAttribution(
    attrs,
    ancestors,
    resource,
    span.traceId,
    options.rules ?? [],
  );
  return {
    tenant: options.tenant,
    startTime: span.startTimeUnixNano,
    durationNs: span.endTimeUnixNano - span.startTimeUnixNano,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    ...attribution,
    provider,
    operation: callOperation(span, scope),
    requestModel,
    responseModel,
    ...usage,
    // A failed request that reports no usage was not billed by the provider: zero, not unknown.
    usageMissing: usage.usageMissing && !failed,
    status: failed ? 'error' : 'ok',
    errorType: failed ? errorType(span) : '',
    finishReason: (
      readStringList(attrs, ATTR_GEN_AI_RESPONSE_FINISH_REASONS, 'ai.response.finishReason') ?? []
    ).join(','),
    prefixHash: readString(attrs, ATTR_TOKENWATCH_PREFIX_HASH) ?? '',
    requestHash: readString(attrs, ATTR_TOKENWATCH_REQUEST_HASH) ?? '',
    reportedCostUsd: readUsd(attrs, 'gen_ai.usage.cost', 'llm.cost.total'),
  };
}

function errorType(span: DecodedSpan): string {
  const fromAttribute = readString(span.attributes, ATTR_ERROR_TYPE, 'http.response.status_code');
  if (fromAttribute) return fromAttribute;
  const exception = span.events.find((e) => e.name === 'exception');
  return (exception && readString(exception.attributes, 'exception.type')) || '_OTHER';
}

/** Roots of agent work that stand for a task when no explicit task span exists. */
function isImplicitTaskRoot(entry: Entry): boolean {
  if (entry.span.parentSpanId !== '') return false;
  const attrs = entry.span.attributes;
  const op = readString(attrs, 'gen_ai.operation.name');
  if (op === 'invoke_agent' || op === 'invoke_workflow') return true;
  const traceloopKind = readString(attrs, 'traceloop.span.kind');
  if (traceloopKind === 'workflow' || traceloopKind === 'agent') return true;
  const oiKind = readString(attrs, 'openinference.span.kind')?.toUpperCase();
  if (oiKind === 'AGENT' || oiKind === 'CHAIN') return true;
  return /^ai\.(generateText|streamText|generateObject|streamObject)$/.test(
    readString(attrs, 'ai.operationId') ?? '',
  );
}

function toTask(
  entry: Entry,
  ancestors: Attributes[],
  options: NormalizeOptions,
): TaskInput | undefined {
  if (entry.role !== 'task' && !isImplicitTaskRoot(entry)) return undefined;
  const { span, resource } = entry;
  const attrs = span.attributes;
  const failed = span.status.code === 'ERROR';
  const stated = readString(attrs, ATTR_TOKENWATCH_TASK_OUTCOME)?.toLowerCase();
  const outcome: TaskOutcome = TASK_OUTCOMES.includes(stated as TaskOutcome)
    ? (stated as TaskOutcome)
    : failed
      ? 'failure'
      : span.status.code === 'OK'
        ? 'success'
        : 'unknown';
  const attribution = resolveAttribution(
    attrs,
    ancestors,
    resource,
    span.traceId,
    options.rules ?? [],
  );
  const exception = span.events.find((e) => e.name === 'exception');
  return {
    tenant: options.tenant,
    taskId: attribution.taskId,
    traceId: span.traceId,
    name:
      readString(
        attrs,
        ATTR_TOKENWATCH_TASK_NAME,
        'gen_ai.agent.name',
        'traceloop.workflow.name',
      ) ?? span.name,
    service: attribution.service,
    environment: attribution.environment,
    agent: attribution.agent,
    userId: attribution.userId,
    team: attribution.team,
    feature: attribution.feature,
    sessionId: attribution.sessionId,
    startTime: span.startTimeUnixNano,
    endTime: span.endTimeUnixNano,
    outcome,
    error: failed
      ? span.status.message ||
        (exception && readString(exception.attributes, 'exception.message')) ||
        ''
      : '',
    updatedAt: span.endTimeUnixNano,
  };
}
