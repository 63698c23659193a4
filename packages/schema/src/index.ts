export {
  type AttributionField,
  DIMENSION_BY_NAME,
  DIMENSION_TABLE,
  type DimensionName,
  type DimensionRole,
  type DimensionRow,
  type DimensionSpec,
  type DimensionWith,
  dimensionNames,
  dimensionsWith,
  dimensionValue,
  STORED_DIMENSIONS,
  type StoredDimension,
} from './dimensions.ts';
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
