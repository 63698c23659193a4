import type { LlmCall, TaskInput, TaskOutcome } from '@tokenwatch/schema';
import { TASK_OUTCOMES } from '@tokenwatch/schema';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  EVENT_EXCEPTION,
} from '@tokenwatch/schema/semconv';
import type { Attributes, DecodedScope, DecodedSpan, DecodedTraces } from '../otlp/types.ts';
import { validateSpan } from '../otlp/validate-span.ts';
import { type AttributionRule, resolveAttribution } from './attribution.ts';
import { callOperation, classifySpan, isImplicitTaskRoot, type SpanRole } from './classify.ts';
import { CACHE_UNREPORTED_SCOPES, KEYS, REQUEST_MODEL_QUIRKS } from './conventions/index.ts';
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
const EXCEPTION_TYPE = [ATTR_EXCEPTION_TYPE];
const EXCEPTION_MESSAGE = [ATTR_EXCEPTION_MESSAGE];
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
  const requestModel = readString(attrs, KEYS.requestModel) ?? quirkRequestModel(attrs) ?? '';
  const responseModel = readString(attrs, KEYS.responseModel) ?? '';
  const provider =
    canonicalProvider(readString(attrs, KEYS.provider)) ||
    providerFromModel(responseModel || requestModel);
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
    cacheUnreported: CACHE_UNREPORTED_SCOPES.has(scope.name),
    status: failed ? 'error' : 'ok',
    errorType: failed ? errorType(span) : '',
    finishReason: (readStringList(attrs, KEYS.finishReasons) ?? []).join(','),
    prefixHash: readString(attrs, KEYS.prefixHash) ?? '',
    requestHash: readString(attrs, KEYS.requestHash) ?? '',
    reportedCostUsd: readUsd(attrs, KEYS.reportedCostUsd),
  };
}

/** The request model from the first convention quirk that finds one. */
function quirkRequestModel(attrs: Attributes): string | undefined {
  for (const quirk of REQUEST_MODEL_QUIRKS) {
    const model = quirk(attrs);
    if (model) return model;
  }
  return undefined;
}

function errorType(span: DecodedSpan): string {
  const fromAttribute = readString(span.attributes, KEYS.errorType);
  if (fromAttribute) return fromAttribute;
  const exception = span.events.find((e) => e.name === EVENT_EXCEPTION);
  return (exception && readString(exception.attributes, EXCEPTION_TYPE)) || '_OTHER';
}

function toTask(
  entry: Entry,
  ancestors: Attributes[],
  options: NormalizeOptions,
): TaskInput | undefined {
  if (entry.role !== 'task' && !isImplicitTaskRoot(entry.span)) return undefined;
  const { span, resource } = entry;
  const attrs = span.attributes;
  const failed = span.status.code === 'ERROR';
  const stated = readString(attrs, KEYS.taskOutcome)?.toLowerCase();
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
  const exception = span.events.find((e) => e.name === EVENT_EXCEPTION);
  return {
    tenant: options.tenant,
    ...attribution,
    traceId: span.traceId,
    name: readString(attrs, KEYS.taskName) ?? span.name,
    startTime: span.startTimeUnixNano,
    endTime: span.endTimeUnixNano,
    outcome,
    error: failed
      ? span.status.message ||
        (exception && readString(exception.attributes, EXCEPTION_MESSAGE)) ||
        ''
      : '',
    updatedAt: span.endTimeUnixNano,
  };
}
