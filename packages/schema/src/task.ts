import { z } from 'zod';
import { AttributionSchema } from './llm-call.ts';

/** Outcomes a task can end with; `unknown` until something says otherwise. */
export const TASK_OUTCOMES = ['unknown', 'success', 'failure', 'partial', 'abandoned'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** A unit of agent work whose LLM calls share its task id, with the outcome it ended with. */
export const TaskSchema = AttributionSchema.extend({
  taskId: z.string().min(1),
  traceId: z.string().default(''),
  name: z.string().default(''),
  startTime: z.bigint().nonnegative(),
  endTime: z.bigint().nonnegative(),
  outcome: z.enum(TASK_OUTCOMES).default('unknown'),
  error: z.string().default(''),
  attributes: z.record(z.string(), z.string()).default({}),
  updatedAt: z.bigint().nonnegative().describe('version: the latest write of a task wins'),
});

export type Task = z.infer<typeof TaskSchema>;
export type TaskInput = z.input<typeof TaskSchema>;
