import { expect, it } from 'vitest';
import { column, describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { resolveVariables } from './support/runner.ts';
import { RANGE, TRACE } from './support/seed.ts';

const GROWTH_COSTS = [0.003, 0.0055, 0.0105, 0.0205, 0.0405];
const CUMULATIVE = [0.003, 0.0085, 0.019, 0.0395, 0.08];

describeDashboard(
  'tokenwatch-sessions',
  {
    Sessions: {
      columns: [
        'session_id',
        'agent',
        'calls',
        'cost',
        'max_prompt_tokens',
        'prompt_growth',
        'first_call',
        'last_call',
        'trace_id',
      ],
      minRows: 3,
      check: (r) => {
        expect(column(r, 'session_id')).toEqual(['sess-growth', 'sess-coder', 'sess-churn']);
        expect(r.rows[0]).toMatchObject({
          agent: 'chatbot',
          calls: 5,
          cost: 0.08,
          max_prompt_tokens: 16_000,
          prompt_growth: 16,
          trace_id: TRACE.session,
        });
        // The coder's prompt shrank from 5,200 tokens (write) to 700.
        expect(rowsWhere(r, 'session_id', 'sess-coder')[0]!.prompt_growth).toBeCloseTo(
          700 / 5200,
          12,
        );
      },
    },
    'Selected session': {
      columns: ['calls', 'cost', 'prompt_growth', 'duration'],
      // The session variable starts on the costliest session.
      check: (r) =>
        expect(r.rows[0]).toEqual({ calls: 5, cost: 0.08, prompt_growth: 16, duration: 240 }),
    },
    'Prompt per call': {
      columns: ['time', 'uncached_input', 'cache_read', 'cache_write', 'output'],
      minRows: 5,
      check: (r) => expect(column(r, 'uncached_input')).toEqual([1000, 2000, 4000, 8000, 16_000]),
    },
    'Cumulative cost': {
      columns: ['time', 'cumulative_cost'],
      minRows: 5,
      check: (r) => expect(column(r, 'cumulative_cost')).toEqual(CUMULATIVE),
    },
    'Calls in the session': {
      columns: [
        'start_time',
        'agent',
        'model',
        'prompt_tokens',
        'output_tokens',
        'cost',
        'cumulative_cost',
        'status',
        'error_type',
        'finish_reason',
        'task_id',
        'trace_id',
      ],
      minRows: 5,
      check: (r) => {
        expect(column(r, 'cost')).toEqual(GROWTH_COSTS);
        expect(column(r, 'cumulative_cost')).toEqual(CUMULATIVE);
        expect(new Set(column(r, 'trace_id'))).toEqual(new Set([TRACE.session]));
      },
    },
    Trace: {
      columns: [
        'traceID',
        'spanID',
        'parentSpanID',
        'serviceName',
        'operationName',
        'startTime',
        'duration',
        'tags',
        'serviceTags',
        'statusCode',
        'statusMessage',
      ],
      minRows: 3,
      check: (r) => {
        expect(column(r, 'spanID')).toEqual([
          'aa00000000000001',
          'aa00000000000002',
          'aa00000000000003',
        ]);
        // Milliseconds, as Grafana's trace view reads them.
        expect(r.rows[0]).toMatchObject({ parentSpanID: '', duration: 180_000, statusCode: 0 });
        expect(r.rows[0]!.tags).toEqual([{ key: 'gen_ai.agent.name', value: 'planner' }]);
      },
    },
  },
  { selection: { trace_id: TRACE.taskOk } },
  (suite) => {
    it('picks another session, and follows the filters through the session list', async () => {
      const coder = await suite.run('Selected session', { selection: { session: 'sess-churn' } });
      expect(coder.rows[0]).toMatchObject({ calls: 4, prompt_growth: 1 });
      const variables = await resolveVariables(suite.store(), suite.dashboard, {
        ...RANGE,
        selection: { agent: ['coder'] },
      });
      expect(variables.find((v) => v.name === 'session')).toMatchObject({
        current: 'sess-coder',
        options: ['sess-coder'],
      });
    });

    it('shows no trace for an empty trace id or another tenant', async () => {
      expect((await suite.run('Trace', { selection: { trace_id: '' } })).rows).toEqual([]);
      const other = await suite.run('Trace', { selection: { tenant: ['globex'] } });
      expect(other.rows).toEqual([]);
    });
  },
);
