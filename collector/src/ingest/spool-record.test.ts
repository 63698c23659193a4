import { describe, expect, it } from 'vitest';
import { callBatch } from '../../test/support/test-batches.ts';
import { decodeBatch, encodeBatch } from './spool-record.ts';

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
