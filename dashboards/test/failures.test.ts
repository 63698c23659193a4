import { expect } from 'vitest';
import { describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { callsWhere, costOf, rawInRange } from './support/seed.ts';

const spend = costOf(callsWhere((c) => rawInRange(c)));
// The failed task (0.1, with the failed call in it), the abandoned task (0.004) and the coder's
// retry (0.0036): each call counted once.
const WASTE = 0.1 + 0.004 + 0.0036;

describeDashboard('tokenwatch-failures', {
  'Waste share of spend': {
    columns: ['waste_share'],
    check: (r) => expect(r.rows[0]!.waste_share).toBeCloseTo(WASTE / spend, 12),
  },
  'Failures and retries': {
    columns: ['failed_calls', 'failed_tasks', 'retries'],
    // Calls without a task (the runaway's) are never retries, however alike they are.
    check: (r) => expect(r.rows[0]).toEqual({ failed_calls: 1, failed_tasks: 2, retries: 1 }),
  },
  'Cost of failures and retries': {
    columns: ['failed_call_cost', 'failed_task_cost', 'retry_cost'],
    check: (r) =>
      expect(r.rows[0]).toEqual({
        failed_call_cost: 0.05,
        failed_task_cost: 0.104,
        retry_cost: 0.0036,
      }),
  },
  'Failure cost by agent': {
    columns: [
      'agent',
      'spend',
      'failed_tasks',
      'failed_task_cost',
      'failed_calls',
      'failed_call_cost',
      'retries',
      'retry_cost',
      'waste_share',
    ],
    minRows: 6,
    check: (r) => {
      expect(r.rows[0]).toMatchObject({
        agent: 'planner',
        failed_tasks: 1,
        failed_task_cost: 0.1,
        failed_calls: 1,
        failed_call_cost: 0.05,
        retries: 0,
      });
      const coder = rowsWhere(r, 'agent', 'coder')[0]!;
      expect(coder).toMatchObject({ retries: 1, retry_cost: 0.0036, failed_tasks: 0 });
      expect(coder.waste_share).toBeCloseTo(0.0036 / 0.0444, 12);
    },
  },
  'Failed calls by agent': {
    columns: ['time', 'series', 'failed_calls'],
    check: (r) =>
      expect(r.rows.map((row) => [row.series, row.failed_calls])).toEqual([['planner', 1]]),
  },
  'Cost of failed calls by error type': {
    columns: ['time', 'series', 'cost'],
    check: (r) =>
      expect(r.rows.map((row) => [row.series, row.cost])).toEqual([['RateLimitError', 0.05]]),
  },
  'Error types': {
    columns: ['error_type', 'calls', 'cost', 'agents', 'models', 'last_seen'],
    check: (r) =>
      expect(r.rows[0]).toMatchObject({
        error_type: 'RateLimitError',
        calls: 1,
        cost: 0.05,
        agents: 'planner',
        models: 'gpt-4o',
      }),
  },
});
