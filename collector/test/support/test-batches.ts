/**
 * @module
 * Spool batches for the ingest tests (not used by production code): priced calls with their raw
 * spans, each with a fresh span id.
 */
import { LlmCallSchema } from '@tokenwatch/schema';
import { nsToDateTime64 } from '@tokenwatch/store';
import type { OtelTraceRow } from '../../src/ingest/otel-rows.ts';
import type { IngestBatch } from '../../src/ingest/spool-record.ts';

const now = BigInt(Date.now()) * 1_000_000n;
let counter = 0;

/** When the test process started, in ns: the start time of every call made here. */
export const TEST_START_NS = now;

/**
 * A batch of `calls` calls of 110 tokens and $0.001 each, with their raw spans; `traceIdOf`
 * picks each call's trace id from its sequence number (a trace of its own by default).
 */
export function callBatch(
  tenant: string,
  calls: number,
  traceIdOf: (n: number) => string = (n) => n.toString(16).padStart(32, '0'),
): IngestBatch {
  const out: IngestBatch = { calls: [], tasks: [], spans: [] };
  for (let i = 0; i < calls; i++) {
    counter++;
    const spanId = counter.toString(16).padStart(16, '0');
    const traceId = traceIdOf(counter);
    out.calls.push(
      LlmCallSchema.parse({
        tenant,
        startTime: now + BigInt(counter),
        traceId,
        spanId,
        inputTokens: 100,
        outputTokens: 10,
        totalCost: '0.001',
      }),
    );
    out.spans.push({
      Timestamp: nsToDateTime64(now + BigInt(counter)),
      TraceId: traceId,
      SpanId: spanId,
      TenantId: tenant,
    } as OtelTraceRow);
  }
  return out;
}
