import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { sumDecimals } from '../analytics/decimal-text.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  DecimalText,
  firstRows,
  limitParam,
  ROW_LIMIT,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** One call of a task, as the timeline shows it. */
export const TaskCallSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  /** Start as the store writes it (UTC, nanoseconds). */
  start: z.string(),
  durationMs: z.number(),
  agent: z.string(),
  provider: z.string(),
  model: z.string(),
  inputTokens: Count,
  cacheReadTokens: Count,
  cacheWriteTokens: Count,
  outputTokens: Count,
  reasoningTokens: Count,
  /** The prompt's size: input, cache reads and cache writes (how the context grew turn by turn). */
  contextTokens: Count,
  /** Null when the call could not be priced. */
  costUsd: DecimalText.nullable(),
  status: z.string(),
  errorType: z.string(),
});

/** The task's own row, as recorded (start and end as the store writes them). */
const TaskRow = z.object({
  name: z.string(),
  agent: z.string(),
  outcome: z.string(),
  start: z.string(),
  end: z.string(),
  error: z.string(),
});

/** What `task` answers: the task's row, if one was recorded, and its calls in order. */
export const TaskCallsResultSchema = z.object({
  taskId: z.string(),
  task: TaskRow.nullable(),
  /** Every call's cost added up (unpriced ones count nothing). */
  costUsd: DecimalText,
  calls: z.array(TaskCallSchema),
  truncated: TruncatedSchema,
});

const defaults = { limit: String(ROW_LIMIT) } as const;

const CallRow = z.object({
  trace_id: z.string(),
  span_id: z.string(),
  start: z.string(),
  duration_ns: z.coerce.number(),
  agent: z.string(),
  provider: z.string(),
  model: z.string(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  reasoning_tokens: z.coerce.number(),
  cost: z.string().nullable(),
  status: z.string(),
  error_type: z.string(),
});
/**
 * `task`: one task's calls one after another (model, tokens by kind, context size, cost, latency,
 * status, span), with the task's name, agent and outcome, as `tasks` lists them by id.
 */
export const taskCallsRead = defineRead({
  name: 'task',
  path: '/task',
  query: () => z.object({ id: z.string().min(1), limit: limitParam() }),
  defaults,
  result: TaskCallsResultSchema,
  async run({ store, tenant }, query) {
    const calls = (await getTaskCalls(store, tenant, query.id)).map((row) => ({
      traceId: row.trace_id,
      spanId: row.span_id,
      start: row.start,
      durationMs: row.duration_ns / 1e6,
      agent: row.agent,
      provider: row.provider,
      model: row.model,
      inputTokens: row.input_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      outputTokens: row.output_tokens,
      reasoningTokens: row.reasoning_tokens,
      contextTokens: row.input_tokens + row.cache_read_tokens + row.cache_write_tokens,
      costUsd: row.cost,
      status: row.status,
      errorType: row.error_type,
    }));
    const [task] = await queryRows(store, {
      query: `SELECT name, agent, toString(outcome) AS outcome, toString(start_time) AS start,
          toString(end_time) AS end, error
        FROM ${TABLES.tasks} FINAL
        WHERE tenant = {tenant: String} AND task_id = {id: String}
        LIMIT 1`,
      params: { tenant, id: query.id },
      schema: TaskRow,
    });
    const kept = firstRows(calls, query.limit);
    return {
      taskId: query.id,
      task: task ?? null,
      costUsd: sumDecimals(calls.flatMap((c) => (c.costUsd === null ? [] : [c.costUsd]))),
      calls: kept.rows,
      truncated: truncations({ calls: kept.cut }),
    };
  },
  print: {
    tables: (result) => [
      {
        records: result.calls.map((c) => ({
          start: c.start,
          model: c.model,
          context: c.contextTokens,
          input: c.inputTokens,
          cache_read: c.cacheReadTokens,
          cache_write: c.cacheWriteTokens,
          output: c.outputTokens,
          cost_usd: c.costUsd ?? '—',
          ms: Math.round(c.durationMs),
          status: c.status,
          span: c.spanId,
        })),
        truncated: result.truncated.calls,
        empty: `No calls of task ${result.taskId}.`,
      },
    ],
  },
});

/** A task's calls in start order (the collector gives a call without a task its trace id). */
async function getTaskCalls(store: Store, tenant: string, id: string) {
  return queryRows(store, {
    query: `SELECT trace_id, span_id, toString(start_time) AS start, duration_ns, agent, provider,
        model, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        if(total_cost IS NULL, NULL, toString(total_cost)) AS cost, status, error_type
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String}
        AND task_id = {id: String}
      ORDER BY start_time, span_id`,
    params: { tenant, id },
    schema: CallRow,
    settings: { max_execution_time: 60 },
  });
}
