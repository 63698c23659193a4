import { DIMENSION_TABLE } from '@tokenwatch/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows, runCommand } from './query.ts';
import { upsertTasks } from './repositories/tasks.ts';
import { openTestStore, type TestStore } from './testing/test-store.ts';

const Column = z.object({ name: z.string(), type: z.string() });

describe('schema', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('gives otel_traces the OpenTelemetry Collector ClickHouse exporter columns', async () => {
    const columns = await queryRows(t.store, {
      query:
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'otel_traces' AND default_kind != 'ALIAS' ORDER BY position",
      schema: Column,
    });
    const attrs = 'Map(LowCardinality(String), String)';
    expect(columns).toEqual([
      { name: 'Timestamp', type: 'DateTime64(9)' },
      { name: 'TraceId', type: 'String' },
      { name: 'SpanId', type: 'String' },
      { name: 'ParentSpanId', type: 'String' },
      { name: 'TraceState', type: 'String' },
      { name: 'SpanName', type: 'LowCardinality(String)' },
      { name: 'SpanKind', type: 'LowCardinality(String)' },
      { name: 'ServiceName', type: 'LowCardinality(String)' },
      { name: 'ResourceAttributes', type: attrs },
      { name: 'ScopeName', type: 'String' },
      { name: 'ScopeVersion', type: 'String' },
      { name: 'SpanAttributes', type: attrs },
      { name: 'Duration', type: 'UInt64' },
      { name: 'StatusCode', type: 'LowCardinality(String)' },
      { name: 'StatusMessage', type: 'String' },
      { name: 'Events.Timestamp', type: 'Array(DateTime64(9))' },
      { name: 'Events.Name', type: 'Array(LowCardinality(String))' },
      { name: 'Events.Attributes', type: `Array(${attrs})` },
      { name: 'Links.TraceId', type: 'Array(String)' },
      { name: 'Links.SpanId', type: 'Array(String)' },
      { name: 'Links.TraceState', type: 'Array(String)' },
      { name: 'Links.Attributes', type: `Array(${attrs})` },
      { name: 'TenantId', type: 'LowCardinality(String)' },
    ]);
  });

  it('accepts the exporter insert and keeps the trace-id lookup table current', async () => {
    // Yesterday: recent enough for the 30-day TTL whenever the test runs.
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    // The exporter's own INSERT names its 22 columns; Tokenwatch's TenantId takes its default.
    await runCommand(
      t.store,
      `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind,
        ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode,
        StatusMessage, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`, \`Links.TraceId\`,
        \`Links.SpanId\`, \`Links.TraceState\`, \`Links.Attributes\`)
      VALUES
        ('${day} 10:00:00.5', 'abc', 's1', '', '', 'chat gpt-4o', 'SPAN_KIND_CLIENT', 'agent',
          map('service.name', 'agent'), 'scope', '1.0', map('gen_ai.request.model', 'gpt-4o'), 1500000000,
          'STATUS_CODE_UNSET', '', [], [], [], [], [], [], []),
        ('${day} 10:00:07.5', 'abc', 's2', 's1', '', 'chat gpt-4o', 'SPAN_KIND_CLIENT', 'agent',
          map(), 'scope', '1.0', map(), 100, 'STATUS_CODE_OK', '', [], [], [], [], [], [], [])`,
    );
    const lookup = await queryRows(t.store, {
      query:
        "SELECT toString(min(Start)) AS start, toString(max(End)) AS end FROM otel_traces_trace_id_ts WHERE TraceId = 'abc'",
      schema: z.object({ start: z.string(), end: z.string() }),
    });
    expect(lookup).toEqual([{ start: `${day} 10:00:00`, end: `${day} 10:00:07` }]);
    const [row] = await queryRows(t.store, {
      query: "SELECT TenantId, SpanAttributeItems FROM otel_traces WHERE SpanId = 's1'",
      schema: z.object({ TenantId: z.string(), SpanAttributeItems: z.array(z.string()) }),
    });
    expect(row).toEqual({
      TenantId: 'default',
      SpanAttributeItems: ['gen_ai.request.model=gpt-4o'],
    });
  });

  it('has the column of every dimension of the table where the table says', async () => {
    const columnsOf = async (table: string) =>
      (
        await queryRows(t.store, {
          query:
            'SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {table: String}',
          params: { table },
          schema: z.object({ name: z.string() }),
        })
      ).map((r) => r.name);
    const [rollup] = await queryRows(t.store, {
      query:
        "SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'llm_usage_1m'",
      schema: z.object({ sorting_key: z.string() }),
    });
    const calls = await columnsOf('llm_calls');
    const tasks = await columnsOf('tasks');
    const rollupColumns = await columnsOf('llm_usage_1m');
    const rollupKey = rollup!.sorting_key.split(', ');
    for (const d of DIMENSION_TABLE) {
      expect(calls, d.name).toContain(d.column);
      if (d.attributable) expect(tasks, d.name).toContain(d.column);
      // A SummingMergeTree sums rows of equal key: a rollup dimension outside the key would be
      // merged away.
      if (d.rollup) expect(rollupKey, d.name).toContain(d.column);
      else expect(rollupColumns, d.name).not.toContain(d.column);
    }
    expect(rollupKey).toContain('project');
  });

  it('keeps the latest write of a task', async () => {
    // Recent times: rows older than the retention would be dropped by the TTL.
    const start = BigInt(Date.now()) * 1_000_000n;
    const base = { tenant: 'acme', taskId: 'task-1', startTime: start, endTime: start + 5_000n };
    await upsertTasks(t.store, [{ ...base, outcome: 'unknown', updatedAt: start + 5n }]);
    await upsertTasks(t.store, [
      { ...base, outcome: 'success', updatedAt: start + 9n },
      { ...base, outcome: 'failure', error: 'stale', updatedAt: start + 7n },
    ]);
    // A late, older write must not win over the newer one.
    await upsertTasks(t.store, [{ ...base, outcome: 'abandoned', updatedAt: start + 6n }]);
    const tasks = await queryRows(t.store, {
      query: "SELECT task_id, outcome, error FROM tasks FINAL WHERE tenant = 'acme'",
      schema: z.object({ task_id: z.string(), outcome: z.string(), error: z.string() }),
    });
    expect(tasks).toEqual([{ task_id: 'task-1', outcome: 'success', error: '' }]);
  });
});
