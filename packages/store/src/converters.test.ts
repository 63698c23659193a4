import {
  DIMENSION_TABLE,
  dimensionsWith,
  LlmCallSchema,
  STORED_DIMENSIONS,
  TaskSchema,
} from '@tokenwatch/schema';
import { describe, expect, it } from 'vitest';
import { dateTime64ToNs, llmCallToRow, nsToDateTime64, taskToRow } from './converters.ts';

// A different value in every dimension field, so a column filled from the wrong field shows.
const values = Object.fromEntries(STORED_DIMENSIONS.map((d) => [d.field, `v-${d.name}`]));

describe('row converters', () => {
  it('write every stored dimension of the table into its llm_calls column', () => {
    const call = LlmCallSchema.parse({
      ...values,
      startTime: 1n,
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      requestModel: 'gpt-4o',
    });
    const row = llmCallToRow(call);
    for (const d of STORED_DIMENSIONS) expect(row[d.column], d.name).toBe(`v-${d.name}`);
    expect(row.project).toBe('v-project');
    expect(row.user_id).toBe('v-user');
    // model is not stored: llm_calls computes it (an ALIAS column).
    expect(row).not.toHaveProperty('model');
    expect(STORED_DIMENSIONS.length).toBe(DIMENSION_TABLE.length - 1);
  });

  it('write the attributable dimensions, and only those, into the tasks row', () => {
    const task = TaskSchema.parse({
      ...values,
      taskId: 't-1',
      startTime: 1n,
      endTime: 2n,
      updatedAt: 2n,
    });
    const row = taskToRow(task);
    const attributable = dimensionsWith('attributable');
    for (const d of attributable) expect(row[d.column], d.name).toBe(`v-${d.name}`);
    expect(attributable.map((d) => d.column)).toEqual([
      'agent',
      'user_id',
      'team',
      'feature',
      'session_id',
      'project',
      'service',
      'environment',
    ]);
    expect(row).not.toHaveProperty('provider');
    expect(row.task_id).toBe('t-1');
  });

  it('formats nanosecond times exactly, whichever second came before', () => {
    const a = 1_764_583_200_000_000_007n; // 2025-12-01 10:00:00.000000007
    const b = 1_764_583_261_999_999_999n; // one minute and 2 s later, all nines
    expect([a, b, a, b].map(nsToDateTime64)).toEqual([
      '2025-12-01 10:00:00.000000007',
      '2025-12-01 10:01:01.999999999',
      '2025-12-01 10:00:00.000000007',
      '2025-12-01 10:01:01.999999999',
    ]);
    for (const ns of [a, b, 0n, 1n]) expect(dateTime64ToNs(nsToDateTime64(ns))).toBe(ns);
  });
});
