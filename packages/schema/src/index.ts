export {
  AttributionSchema,
  DecimalStringSchema,
  type LlmCall,
  type LlmCallInput,
  LlmCallSchema,
} from './llm-call.ts';
export {
  type PriceOverride,
  type PriceOverrideInput,
  PriceOverrideSchema,
  PriceOverridesSchema,
} from './pricing.ts';
export { TASK_OUTCOMES, type Task, type TaskInput, type TaskOutcome, TaskSchema } from './task.ts';
