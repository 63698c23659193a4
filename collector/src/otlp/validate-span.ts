/**
 * @module
 * Per-span validation after decoding. A span that fails is rejected on its own and counted in
 * the response's `partial_success.rejected_spans`; the rest of the request is still accepted.
 * The decoders deliberately let such spans through (ids of any length, any times) so that one
 * bad span never costs a client its whole batch.
 */
import type { DecodedSpan } from './types.ts';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
// What a 16- or 8-byte id looks like in standard base64, the usual mistake of a generic proto3
// JSON encoder (OTLP/JSON requires hex).
const BASE64_TRACE_ID = /^[A-Za-z0-9+/]{22}==$/;
const BASE64_SPAN_ID = /^[A-Za-z0-9+/]{11}=$/;

function describeId(id: string): string {
  return id === '' ? 'empty' : `"${id.length > 40 ? `${id.slice(0, 40)}…` : id}"`;
}

function idProblem(
  label: string,
  id: string,
  pattern: RegExp,
  zero: string,
  base64: RegExp,
): string | null {
  if (pattern.test(id)) return id === zero ? `${label} is all zeros` : null;
  const hexDigits = zero.length;
  // The JSON decoder lower-cases ids, which leaves a base64 id still matching the pattern.
  const hint = base64.test(id) ? ' (it looks base64-encoded; OTLP/JSON ids must be hex)' : '';
  return `${label} must be ${hexDigits} lower-case hex characters (${hexDigits / 2} bytes), got ${describeId(id)}${hint}`;
}

/**
 * Checks the invariants a span needs before it can be stored: a valid non-zero trace id and
 * span id, a parent span id that is empty (a root span) or a valid id, a non-zero start time
 * and an end time no earlier than the start.
 *
 * Only the span's own identity and timing are checked; attribute contents, link ids and the
 * trace state are left to later stages, which can drop a bad link without losing the span.
 *
 * @param span a span from `decodeProtobufTraces` or `decodeJsonTraces`
 * @returns `null` for a valid span, otherwise a human-readable reason in English, suitable
 *   for the `error_message` of an OTLP partial-success response
 *
 * @example
 * ```ts
 * const reason = validateSpan(span);
 * if (reason !== null) rejected.push(`span ${span.spanId}: ${reason}`);
 * ```
 */
export function validateSpan(span: DecodedSpan): string | null {
  const traceIdProblem = idProblem(
    'trace id',
    span.traceId,
    TRACE_ID,
    ZERO_TRACE_ID,
    BASE64_TRACE_ID,
  );
  if (traceIdProblem !== null) return traceIdProblem;
  const spanIdProblem = idProblem('span id', span.spanId, SPAN_ID, ZERO_SPAN_ID, BASE64_SPAN_ID);
  if (spanIdProblem !== null) return spanIdProblem;
  // An all-zero parent is invalid as an id but is what some bridges send for "no parent";
  // it is accepted here and left for normalization to treat as a root.
  if (span.parentSpanId !== '' && !SPAN_ID.test(span.parentSpanId)) {
    return `parent span id must be empty or 16 lower-case hex characters (8 bytes), got ${describeId(span.parentSpanId)}`;
  }
  if (span.startTimeUnixNano === 0n) return 'start time is zero (not set)';
  if (span.endTimeUnixNano === 0n) return 'end time is zero (not set)';
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `end time ${span.endTimeUnixNano} is before start time ${span.startTimeUnixNano}`;
  }
  return null;
}
