import { SCOPE_FIELDS } from '@tokenwatch/config';
import { DIMENSION_TABLE } from '@tokenwatch/schema';
import { describe, expect, it } from 'vitest';
import { SCOPE_COLUMNS } from '../shared/scope.ts';
import { DIMENSIONS, parseDimensions, ROLLUP_DIMENSIONS } from './dimensions.ts';

describe('analyzer column maps from the dimension table', () => {
  it('group by every dimension of the table, on its column', () => {
    expect(DIMENSIONS).toEqual(Object.fromEntries(DIMENSION_TABLE.map((d) => [d.name, d.column])));
    expect(DIMENSIONS).toMatchObject({ project: 'project', user: 'user_id', task: 'task_id' });
    expect([...ROLLUP_DIMENSIONS]).toEqual(
      DIMENSION_TABLE.filter((d) => d.rollup).map((d) => d.name),
    );
    // Grouped by task, a report reads llm_calls: the rollup has no task.
    expect(ROLLUP_DIMENSIONS.has('task')).toBe(false);
    expect(ROLLUP_DIMENSIONS.has('project')).toBe(true);
  });

  it('scope budgets and anomalies by the scopable columns', () => {
    expect(Object.keys(SCOPE_COLUMNS)).toEqual([...SCOPE_FIELDS]);
    for (const field of SCOPE_FIELDS) expect(SCOPE_COLUMNS[field]).toBe(DIMENSIONS[field]);
  });

  it('parses --by lists against the table', () => {
    expect(parseDimensions('project, agent,project')).toEqual(['project', 'agent']);
    expect(() => parseDimensions('colour')).toThrow(/unknown dimension "colour".*project/);
  });
});
