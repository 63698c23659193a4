import { describe, expect, it } from 'vitest';
import { callBatch } from '../../test/support/test-batches.ts';
import { OTEL_COLUMNS, type OtelTraceRow } from './otel-rows.ts';
import { decodeBatch, encodeBatch } from './spool-record.ts';

/** A raw-span row with every column, as the collector builds them. */
function fullRow(spanId: string): OtelTraceRow {
  return {
    Timestamp: '2026-12-01 10:00:00.000000001',
    TraceId: 'a'.repeat(32),
    SpanId: spanId,
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'chat gpt-4o',
    SpanKind: 'SPAN_KIND_CLIENT',
    ServiceName: 'svc',
    ResourceAttributes: { 'service.name': 'svc' },
    ScopeName: 'scope',
    ScopeVersion: '1',
    SpanAttributes: { 'gen_ai.request.model': 'gpt-4o', quote: 'say "hi"\n' },
    Duration: '1000',
    StatusCode: 'STATUS_CODE_UNSET',
    StatusMessage: '',
    'Events.Timestamp': ['2026-12-01 10:00:00.000000002'],
    'Events.Name': ['e'],
    'Events.Attributes': [{ k: 'v' }],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    TenantId: 'default',
  };
}

describe('spool records', () => {
  it('gives back the calls and tasks, and the spans as the rows otel_traces takes', () => {
    const batch = callBatch('records', 3);
    const stored = decodeBatch(encodeBatch(batch));
    expect(stored.calls).toEqual(batch.calls);
    expect(typeof stored.calls[0]!.startTime).toBe('bigint');
    expect(stored.spanCount).toBe(3);
    const lines = stored.spanRows.toString('utf8').split('\n');
    expect(lines).toHaveLength(4); // three rows, each ended by a newline
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, 3).map((line) => JSON.parse(line))).toEqual(batch.spans);
  });

  it('writes full rows compact: one JSON array per row, in the exporter column order', () => {
    const batch = callBatch('compact', 1);
    batch.spans = [fullRow('00000000000000a1'), fullRow('00000000000000a2')];
    const stored = decodeBatch(encodeBatch(batch));
    expect(stored.spanColumns).toEqual(OTEL_COLUMNS);
    const arrays = stored.spanRows
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown[]);
    expect(
      arrays.map((values) => Object.fromEntries(OTEL_COLUMNS.map((c, i) => [c, values[i]]))),
    ).toEqual(batch.spans);
  });

  it('reads a record spooled by the previous version (one JSON document)', () => {
    const batch = callBatch('upgrade', 2);
    const v1 = Buffer.from(
      JSON.stringify({
        v: 1,
        calls: batch.calls.map((c) => ({
          ...c,
          startTime: c.startTime.toString(),
          durationNs: c.durationNs.toString(),
        })),
        tasks: [],
        spans: batch.spans,
      }),
    );
    const stored = decodeBatch(v1);
    expect(stored.calls).toEqual(batch.calls);
    expect(stored.spanCount).toBe(2);
    expect(
      stored.spanRows
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(batch.spans);
  });

  it('refuses a record of an unknown version', () => {
    expect(() => decodeBatch(Buffer.from('{"v":9}'))).toThrow(/unknown spool record version 9/);
  });
});
