import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nsToDateTime64 } from '../converters.ts';
import { queryRows } from '../query.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { insertOtelSpans } from './otel-traces.ts';

describe('insertOtelSpans', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  const now = BigInt(Date.now()) * 1_000_000n;
  const rows = (trace: string) =>
    [1, 2, 3].map((i) => ({
      Timestamp: nsToDateTime64(now + BigInt(i)),
      TraceId: trace,
      SpanId: `span${i}`,
      SpanName: 'chat gpt-4o',
      SpanAttributes: { 'gen_ai.usage.input_tokens': String(10 * i) },
      Duration: '1000',
      TenantId: 'acme',
    }));
  const count = async (trace: string) =>
    (
      await queryRows(t.store, {
        query: 'SELECT count() AS n FROM otel_traces WHERE TraceId = {trace: String}',
        params: { trace },
        schema: z.object({ n: z.coerce.number() }),
      })
    )[0]!.n;

  it('drops a replayed block with the same token', async () => {
    await insertOtelSpans(t.store, rows('t1'), 'spool-1-0');
    await insertOtelSpans(t.store, rows('t1'), 'spool-1-0');
    expect(await count('t1')).toBe(3);
  });

  it('keeps blocks with different tokens, and the token does not outlive its insert', async () => {
    await insertOtelSpans(t.store, rows('t2'), 'spool-1-100');
    // Same content, another token: another delivery the caller meant to store.
    await insertOtelSpans(t.store, rows('t2'), 'spool-1-200');
    expect(await count('t2')).toBe(6);
  });
});
