import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, DEFAULT_RETENTION, readRetention } from './retention.ts';
import { openTestStore, type TestStore } from './testing/test-store.ts';

describe('retention', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('starts at the defaults and changes only what differs', async () => {
    expect(Object.fromEntries(await readRetention(t.store))).toEqual({
      otel_traces: 30,
      otel_traces_trace_id_ts: 30,
      llm_calls: 400,
      tasks: 400,
      llm_usage_1m: 400,
    });
    expect(await applyRetention(t.store, DEFAULT_RETENTION)).toEqual([]);
    expect(await applyRetention(t.store, { rawSpansDays: 7, callsDays: 400 })).toEqual([
      'otel_traces',
      'otel_traces_trace_id_ts',
    ]);
    const after = await readRetention(t.store);
    expect(after.get('otel_traces')).toBe(7);
    expect(after.get('llm_calls')).toBe(400);
    expect(await applyRetention(t.store, { rawSpansDays: 7, callsDays: 400 })).toEqual([]);
  });
});
