export {
  AttributionSchema,
  DecimalStringSchema,
  type LlmCall,
  type LlmCallInput,
  LlmCallSchema,
} from './llm-call.ts';
export { TASK_OUTCOMES, type Task, type TaskInput, type TaskOutcome, TaskSchema } from './task.ts';
