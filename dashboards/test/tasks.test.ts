import { expect, it } from 'vitest';
import { TargetSchema } from './support/dashboard-schema.ts';
import { expandQuery } from './support/grafana-sql.ts';
import { column, describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { num, runSql } from './support/runner.ts';
import { RANGE, TRACE } from './support/seed.ts';

// Task costs of the seed (all task calls are inside the test range).
const COST = {
  'task-ok-1': 0.06,
  'task-ok-2': 0.02,
  'task-fail-1': 0.1,
  'task-staging-1': 0.007,
  'task-coder-1': 0.0444,
  'task-abandoned-1': 0.004,
  'task-unknown': 0.001,
  'task-chat-1': 0.08,
  'g-task-1': 0.3,
};
const sorted = Object.values(COST).sort((a, b) => a - b);

const TASK_COLUMNS = [
  'task_id',
  'name',
  'agent',
  'outcome',
  'error',
  'calls',
  'cost',
  'started',
  'trace_id',
];

describeDashboard(
  'tokenwatch-tasks',
  {
    Tasks: {
      columns: ['tasks', 'succeeded', 'failed_or_abandoned', 'outcome_unknown'],
      check: (r) =>
        expect(r.rows[0]).toEqual({
          tasks: 9,
          succeeded: 5,
          failed_or_abandoned: 2,
          outcome_unknown: 1,
        }),
    },
    'Cost of failed and abandoned tasks': {
      columns: ['failed_task_cost'],
      check: (r) => expect(r.rows[0]!.failed_task_cost).toBe(0.104),
    },
    'Median cost per task': {
      columns: ['median_task_cost'],
      // quantileExact takes the element at floor(0.5 × n) of the sorted costs.
      check: (r) => expect(r.rows[0]!.median_task_cost).toBe(sorted[Math.floor(sorted.length / 2)]),
    },
    'Cost per task distribution': {
      columns: ['cost'],
      minRows: 9,
      check: (r) => expect((column(r, 'cost') as number[]).sort((a, b) => a - b)).toEqual(sorted),
    },
    'Cost per task by agent': {
      columns: [
        'agent',
        'tasks',
        'successes',
        'failures',
        'p50',
        'p90',
        'p99',
        'total_cost',
        'cost_per_successful_task',
      ],
      minRows: 4,
      check: (r) => {
        const planner = rowsWhere(r, 'agent', 'planner')[0]!;
        expect(planner).toMatchObject({ tasks: 5, successes: 4, failures: 1, total_cost: 0.487 });
        // All task cost of the agent, failures included, over its successes.
        expect(planner.cost_per_successful_task).toBeCloseTo(0.487 / 4, 12);
        const reviewer = rowsWhere(r, 'agent', 'reviewer')[0]!;
        expect(reviewer).toMatchObject({ tasks: 2, successes: 0, failures: 1 });
        expect(reviewer.cost_per_successful_task).toBeNull();
        expect(rowsWhere(r, 'agent', 'coder')[0]!.cost_per_successful_task).toBe(0.0444);
      },
    },
    'Failed tasks': {
      columns: TASK_COLUMNS,
      minRows: 2,
      check: (r) => {
        expect(column(r, 'task_id')).toEqual(['task-abandoned-1', 'task-fail-1']);
        expect(rowsWhere(r, 'task_id', 'task-fail-1')[0]).toMatchObject({
          outcome: 'failure',
          error: 'tool crashed',
          calls: 2,
          cost: 0.1,
          trace_id: TRACE.fail,
        });
      },
    },
    'Most expensive tasks': {
      columns: TASK_COLUMNS,
      minRows: 9,
      check: (r) => {
        expect(column(r, 'cost')).toEqual([...sorted].reverse());
        // No task row: the outcome is unknown and the trace comes from the calls.
        expect(rowsWhere(r, 'task_id', 'task-unknown')[0]).toMatchObject({
          outcome: 'unknown',
          name: '',
          trace_id: TRACE.other,
        });
      },
    },
    'Task cost by outcome': {
      columns: ['time', 'series', 'cost'],
      check: (r) => {
        const total = (outcome: string) =>
          rowsWhere(r, 'series', outcome).reduce((n, row) => n + num(row.cost), 0);
        expect(total('success')).toBeCloseTo(0.06 + 0.02 + 0.007 + 0.0444 + 0.3, 12);
        expect(total('failure')).toBeCloseTo(0.1, 12);
        expect(total('partial')).toBeCloseTo(0.08, 12);
        expect(total('unknown')).toBeCloseTo(0.001, 12);
      },
    },
  },
  {},
  (suite) => {
    it('filters tasks by tenant and by the model of their calls', async () => {
      const count = async (selection: Record<string, string[]>) =>
        (await suite.run('Tasks', { selection })).rows[0]!.tasks;
      expect(await count({ tenant: ['globex'] })).toBe(1);
      expect(await count({ model: ['claude-sonnet-4'] })).toBe(1);
      expect(await count({ environment: ['staging'], team: ['search'] })).toBe(1);
    });

    it('links trace ids to the trace view, and the Explore link runs', async () => {
      const panel = suite.dashboard.panels.find((p) => p.title === 'Failed tasks')!;
      const overrides = panel.fieldConfig!.overrides;
      const links = overrides.find((o) => o.matcher.options === 'trace_id')!.properties[0]!
        .value as { url: string; internal?: { query: unknown } }[];
      expect(links[0]!.url).toMatch(/^\/d\/tokenwatch-sessions\/.*var-trace_id=\$\{__value\.raw\}/);
      const query = TargetSchema.parse(links[1]!.internal!.query);
      const sql = expandQuery(query.rawSql, {
        ...RANGE,
        intervalMs: 60_000,
        variables: [],
        scoped: { '__value.raw': TRACE.taskOk },
      });
      const spans = await runSql(suite.store(), sql);
      expect(spans.rows.map((s) => s.spanID)).toEqual([
        'aa00000000000001',
        'aa00000000000002',
        'aa00000000000003',
      ]);
    });
  },
);
