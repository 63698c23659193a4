import { describe, expect, it } from 'vitest';
import {
  DIMENSION_BY_NAME,
  DIMENSION_TABLE,
  dimensionNames,
  dimensionsWith,
  dimensionValue,
  STORED_DIMENSIONS,
} from './dimensions.ts';
import { AttributionSchema, LlmCallSchema } from './llm-call.ts';
import { TaskSchema } from './task.ts';

describe('the dimension table', () => {
  it('names each dimension, field and column once', () => {
    for (const key of ['name', 'field', 'column'] as const) {
      const values = DIMENSION_TABLE.map((d) => d[key]).filter((v) => v !== null);
      expect(new Set(values).size, key).toBe(values.length);
    }
  });

  it('keeps the roles consistent with how they are used', () => {
    for (const d of DIMENSION_TABLE) {
      // Budgets and anomalies read the rollup: what they scope by must be in it.
      if (d.scopable) expect(d.rollup, d.name).toBe(true);
      // The guard caps values of calls and tasks, so what it guards is attribution.
      if (d.guarded) expect(d.attributable, d.name).toBe(true);
      if (d.attributable) expect(d.field, d.name).not.toBeNull();
    }
  });

  it('lists the dimensions of each role in table order', () => {
    expect(dimensionNames('scopable')).toEqual(
      DIMENSION_TABLE.filter((d) => d.scopable).map((d) => d.name),
    );
    expect(dimensionNames('attributable')).toEqual([
      'agent',
      'user',
      'team',
      'feature',
      'session',
      'project',
      'service',
      'environment',
    ]);
    expect(dimensionNames('guarded')).toEqual([
      'agent',
      'team',
      'feature',
      'project',
      'service',
      'environment',
    ]);
    expect(dimensionsWith('rollup').map((d) => d.name)).not.toContain('task');
    expect(STORED_DIMENSIONS.map((d) => d.name)).not.toContain('model');
  });

  it('gives calls and tasks one attribution field per attributable dimension', () => {
    const fields = dimensionsWith('attributable').map((d) => d.field);
    expect(Object.keys(AttributionSchema.shape).sort()).toEqual(['tenant', ...fields].sort());
    const task = TaskSchema.parse({ taskId: 't', startTime: 0n, endTime: 0n, updatedAt: 0n });
    for (const field of fields) expect(task[field], field).toBe('');
  });

  it('reads a dimension value from its field, the model from the response else the request', () => {
    const call = LlmCallSchema.parse({
      startTime: 0n,
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      project: 'checkout',
      userId: 'u-1',
      requestModel: 'gpt-4o',
    });
    expect(dimensionValue(call, DIMENSION_BY_NAME.project)).toBe('checkout');
    expect(dimensionValue(call, DIMENSION_BY_NAME.user)).toBe('u-1');
    expect(dimensionValue(call, DIMENSION_BY_NAME.model)).toBe('gpt-4o');
    expect(
      dimensionValue({ ...call, responseModel: 'gpt-4o-2024-08-06' }, DIMENSION_BY_NAME.model),
    ).toBe('gpt-4o-2024-08-06');
  });
});
