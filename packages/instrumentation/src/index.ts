export { AnthropicInstrumentation } from './anthropic-instrumentation.ts';
export { withAttributes } from './attribution.ts';
export { configureBudget } from './guard/defaults.ts';
export {
  BudgetExceededError,
  type BudgetNumbers,
  CircuitOpenError,
  GuardError,
  RateLimitedError,
} from './guard/errors.ts';
export { clearRemoteCache } from './guard/remote-check.ts';
export { instrument } from './instrument.ts';
export { OpenAIInstrumentation } from './openai-instrumentation.ts';
export { samplerFromEnv, TokenwatchSampler, tokenwatchSampler } from './sampler.ts';
export { type Registration, register, tokenwatchInstrumentations } from './sdk.ts';
export { TokenwatchSpanProcessor, tokenwatchSpanProcessor } from './span-processor.ts';
export { getBudget, withTask } from './task.ts';
export type {
  Attribution,
  BudgetEvent,
  BudgetOptions,
  BudgetPolicy,
  BudgetReason,
  BudgetStatus,
  CircuitBreakerOptions,
  ContextTierEvent,
  ContextTiers,
  DegradeOptions,
  RateLimitOptions,
  RegisterOptions,
  RemoteBudgetCheckResponse,
  RemoteCheckOptions,
  TaskHandle,
  TaskOptions,
  TaskOutcome,
  Tokenizer,
  TokenwatchHandle,
  TokenwatchInstrumentationConfig,
} from './types.ts';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
