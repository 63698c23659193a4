import {
  dimensionsWith,
  type LlmCall,
  STORED_DIMENSIONS,
  type StoredDimension,
  type Task,
} from '@tokenwatch/schema';

const NS_PER_SECOND = 1_000_000_000n;

// Spans of one request mostly start within the same second: its date-and-time text is kept, so
// most calls format only their nine fraction digits (this runs for every span and call stored).
let cachedSecond = -1n;
let cachedPrefix = '';

/** Formats nanoseconds since the epoch as a UTC `DateTime64(9)` literal ClickHouse parses exactly. */
export function nsToDateTime64(ns: bigint): string {
  const second = ns / NS_PER_SECOND;
  if (second !== cachedSecond) {
    const iso = new Date(Number(second) * 1000).toISOString(); // 2026-11-20T10:00:00.000Z
    cachedPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
    cachedSecond = second;
  }
  return cachedPrefix + (ns - second * NS_PER_SECOND).toString().padStart(9, '0');
}

/** Parses a UTC `DateTime64(9)` value as ClickHouse prints it back to nanoseconds. */
export function dateTime64ToNs(value: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(value);
  if (!match) throw new Error(`not a DateTime64 value: ${JSON.stringify(value)}`);
  const seconds = BigInt(Date.parse(`${match[1]}T${match[2]}Z`) / 1000);
  return seconds * 1_000_000_000n + BigInt((match[3] ?? '').padEnd(9, '0'));
}

/**
 * The llm_calls row for a normalized call (snake_case columns, exact decimals as strings). The
 * dimension columns (task, session, agent, …, provider) come from the dimension table.
 */
export function llmCallToRow(call: LlmCall): Record<string, unknown> {
  return {
    tenant: call.tenant,
    start_time: nsToDateTime64(call.startTime),
    duration_ns: call.durationNs.toString(),
    trace_id: call.traceId,
    span_id: call.spanId,
    parent_span_id: call.parentSpanId,
    ...dimensionColumns(call, STORED_DIMENSIONS),
    operation: call.operation,
    request_model: call.requestModel,
    response_model: call.responseModel,
    input_tokens: call.inputTokens,
    cache_read_tokens: call.cacheReadTokens,
    cache_write_tokens: call.cacheWriteTokens,
    cache_write_1h_tokens: call.cacheWrite1hTokens,
    output_tokens: call.outputTokens,
    reasoning_tokens: call.reasoningTokens,
    usage_missing: call.usageMissing,
    cache_unreported: call.cacheUnreported,
    input_cost: call.inputCost,
    cache_read_cost: call.cacheReadCost,
    cache_write_cost: call.cacheWriteCost,
    output_cost: call.outputCost,
    total_cost: call.totalCost,
    price_source: call.priceSource,
    price_version: call.priceVersion,
    status: call.status,
    error_type: call.errorType,
    finish_reason: call.finishReason,
    context_window: call.contextWindow,
    prefix_hash: call.prefixHash,
    request_hash: call.requestHash,
    attributes: call.attributes,
  };
}

/** The tasks row for a task: its attribution columns come from the dimension table. */
export function taskToRow(task: Task): Record<string, unknown> {
  return {
    tenant: task.tenant,
    task_id: task.taskId,
    trace_id: task.traceId,
    name: task.name,
    ...dimensionColumns(task, dimensionsWith('attributable')),
    start_time: nsToDateTime64(task.startTime),
    end_time: nsToDateTime64(task.endTime),
    outcome: task.outcome,
    error: task.error,
    attributes: task.attributes,
    updated_at: nsToDateTime64(task.updatedAt),
  };
}

/** `{ column: value }` of each dimension in `dimensions`, read from its field of `source`. */
function dimensionColumns<D extends StoredDimension>(
  source: { readonly [F in D['field']]: string },
  dimensions: readonly D[],
): Record<string, string> {
  return Object.fromEntries(dimensions.map((d) => [d.column, source[d.field as D['field']]]));
}
