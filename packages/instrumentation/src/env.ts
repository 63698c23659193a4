/**
 * @module
 * Every `TOKENWATCH_*` variable is read here, and only here, into typed options. Parsing is pure
 * (the environment is a parameter) and lenient in contrib's way: an empty variable is unset, a
 * malformed one is reported through `diag` and ignored, never thrown at the application.
 *
 * | variable | option |
 * | --- | --- |
 * | `TOKENWATCH_ENABLED` | `false` makes the zero-code entry point do nothing |
 * | `TOKENWATCH_CAPTURE_CONTENT` | `captureContent` |
 * | `TOKENWATCH_OPENAI_STREAM_USAGE` | `includeStreamUsage` |
 * | `TOKENWATCH_AGENT`, `TOKENWATCH_TEAM`, `TOKENWATCH_FEATURE` | process-wide attribution |
 * | `TOKENWATCH_BUDGET_MAX_TOKENS`, `TOKENWATCH_BUDGET_MAX_USD` | `budget.maxTokens`, `budget.maxUsd` |
 * | `TOKENWATCH_BUDGET_ON_EXHAUSTED` | `budget.onExhausted` (`throw`, `degrade`, `warn`) |
 * | `TOKENWATCH_BUDGET_DEGRADE_MODEL`, `TOKENWATCH_BUDGET_DEGRADE_MAX_TOKENS` | `budget.degrade` |
 * | `TOKENWATCH_CONTEXT_TIERS` | `budget.contextTiers`: `0.7,0.85,0.9`, or `off` |
 * | `TOKENWATCH_RATE_LIMIT_PER_MINUTE`, `TOKENWATCH_RATE_LIMIT_PER` | `budget.rateLimit` |
 * | `TOKENWATCH_CIRCUIT_MAX_FAILURES`, `TOKENWATCH_CIRCUIT_MAX_IDENTICAL`, `TOKENWATCH_CIRCUIT_COOLDOWN_MS` | `budget.circuitBreaker` |
 * | `TOKENWATCH_BUDGET_CHECK_URL`, `TOKENWATCH_BUDGET_CHECK_FAIL_OPEN`, `TOKENWATCH_BUDGET_CHECK_TTL_MS`, `TOKENWATCH_BUDGET_CHECK_API_KEY` | `budget.remoteCheck` |
 */
import { type DiagLogger, diag as globalDiag } from '@opentelemetry/api';
import type { ResolvedConfig } from './internal-types.ts';
import type {
  BudgetOptions,
  BudgetPolicy,
  RegisterOptions,
  TokenwatchInstrumentationConfig,
} from './types.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment configures: register options plus the on/off switch. */
export type EnvOptions = RegisterOptions & { enabled: boolean };

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** `true`/`false` in any case; anything else is reported and ignored. */
export function envBool(env: Env, name: string, diag: DiagLogger): boolean | undefined {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  diag.warn(`${name}=${value} is not a boolean (true or false); ignored`);
  return undefined;
}

function envNumber(env: Env, name: string, diag: DiagLogger, integer: boolean): number | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (Number.isFinite(parsed) && parsed >= 0 && (!integer || Number.isInteger(parsed))) {
    return parsed;
  }
  diag.warn(`${name}=${value} is not a non-negative ${integer ? 'integer' : 'number'}; ignored`);
  return undefined;
}

function envChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  diag: DiagLogger,
): T | undefined {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  diag.warn(`${name}=${value} is not one of ${choices.join(', ')}; ignored`);
  return undefined;
}

function envTiers(env: Env, diag: DiagLogger): BudgetOptions['contextTiers'] {
  const value = raw(env, 'TOKENWATCH_CONTEXT_TIERS');
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'off') return false;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length === 3 && parts.every((part) => part > 0 && part <= 1)) {
    const [notice, warning, critical] = parts as [number, number, number];
    return { notice, warning, critical };
  }
  diag.warn(`TOKENWATCH_CONTEXT_TIERS=${value} is not three fractions (or off); ignored`);
  return undefined;
}

/** The default budget the environment sets, or undefined when it sets none. */
function envBudget(env: Env, diag: DiagLogger): BudgetOptions | undefined {
  const budget: BudgetOptions = {};
  const maxTokens = envNumber(env, 'TOKENWATCH_BUDGET_MAX_TOKENS', diag, true);
  if (maxTokens !== undefined) budget.maxTokens = maxTokens;
  const maxUsd = envNumber(env, 'TOKENWATCH_BUDGET_MAX_USD', diag, false);
  if (maxUsd !== undefined) budget.maxUsd = maxUsd;
  const policy = envChoice<BudgetPolicy>(
    env,
    'TOKENWATCH_BUDGET_ON_EXHAUSTED',
    ['throw', 'degrade', 'warn'],
    diag,
  );
  if (policy) budget.onExhausted = policy;
  const degradeModel = raw(env, 'TOKENWATCH_BUDGET_DEGRADE_MODEL');
  const degradeMax = envNumber(env, 'TOKENWATCH_BUDGET_DEGRADE_MAX_TOKENS', diag, true);
  if (degradeModel !== undefined || degradeMax !== undefined) {
    budget.degrade = {
      ...(degradeModel === undefined ? {} : { model: degradeModel }),
      ...(degradeMax === undefined ? {} : { maxOutputTokens: degradeMax }),
    };
  }
  const tiers = envTiers(env, diag);
  if (tiers !== undefined) budget.contextTiers = tiers;
  const perMinute = envNumber(env, 'TOKENWATCH_RATE_LIMIT_PER_MINUTE', diag, true);
  if (perMinute !== undefined) {
    const per = envChoice(env, 'TOKENWATCH_RATE_LIMIT_PER', ['task', 'agent'] as const, diag);
    budget.rateLimit = { maxCallsPerMinute: perMinute, ...(per ? { per } : {}) };
  }
  const maxFailures = envNumber(env, 'TOKENWATCH_CIRCUIT_MAX_FAILURES', diag, true);
  const maxIdentical = envNumber(env, 'TOKENWATCH_CIRCUIT_MAX_IDENTICAL', diag, true);
  const cooldownMs = envNumber(env, 'TOKENWATCH_CIRCUIT_COOLDOWN_MS', diag, true);
  if (maxFailures !== undefined || maxIdentical !== undefined || cooldownMs !== undefined) {
    budget.circuitBreaker = {
      ...(maxFailures === undefined ? {} : { maxConsecutiveFailures: maxFailures }),
      ...(maxIdentical === undefined ? {} : { maxIdenticalRequests: maxIdentical }),
      ...(cooldownMs === undefined ? {} : { cooldownMs }),
    };
  }
  const checkUrl = raw(env, 'TOKENWATCH_BUDGET_CHECK_URL');
  if (checkUrl !== undefined) {
    const failOpen = envBool(env, 'TOKENWATCH_BUDGET_CHECK_FAIL_OPEN', diag);
    const ttl = envNumber(env, 'TOKENWATCH_BUDGET_CHECK_TTL_MS', diag, true);
    const apiKey = raw(env, 'TOKENWATCH_BUDGET_CHECK_API_KEY');
    budget.remoteCheck = {
      url: checkUrl,
      ...(failOpen === undefined ? {} : { failOpen }),
      ...(ttl === undefined ? {} : { cacheTtlMs: ttl }),
      ...(apiKey === undefined ? {} : { headers: { authorization: `Bearer ${apiKey}` } }),
    };
  }
  return Object.keys(budget).length > 0 ? budget : undefined;
}

/**
 * The options the environment gives the zero-code entry point (`register.ts`).
 *
 * @example
 * ```ts
 * const options = readEnvOptions({ TOKENWATCH_AGENT: 'triager', TOKENWATCH_BUDGET_MAX_USD: '0.5' });
 * // { enabled: true, agent: 'triager', budget: { maxUsd: 0.5 } }
 * ```
 */
export function readEnvOptions(env: Env = process.env, diag: DiagLogger = globalDiag): EnvOptions {
  const options: EnvOptions = { enabled: envBool(env, 'TOKENWATCH_ENABLED', diag) ?? true };
  const captureContent = envBool(env, 'TOKENWATCH_CAPTURE_CONTENT', diag);
  if (captureContent !== undefined) options.captureContent = captureContent;
  const streamUsage = envBool(env, 'TOKENWATCH_OPENAI_STREAM_USAGE', diag);
  if (streamUsage !== undefined) options.includeStreamUsage = streamUsage;
  for (const [name, key] of [
    ['TOKENWATCH_AGENT', 'agent'],
    ['TOKENWATCH_TEAM', 'team'],
    ['TOKENWATCH_FEATURE', 'feature'],
    ['TOKENWATCH_PROJECT', 'project'],
  ] as const) {
    const value = raw(env, name);
    if (value !== undefined) options[key] = value;
  }
  const budget = envBudget(env, diag);
  if (budget) options.budget = budget;
  return options;
}

/**
 * Instrumentation options with defaults: what the application passed wins, the environment fills
 * in what it left out (contrib applies its env overrides the same way, in the constructor).
 */
export function resolveConfig(
  config: TokenwatchInstrumentationConfig,
  env: Env = process.env,
  diag: DiagLogger = globalDiag,
): ResolvedConfig {
  return {
    captureContent:
      config.captureContent ?? envBool(env, 'TOKENWATCH_CAPTURE_CONTENT', diag) ?? false,
    includeStreamUsage:
      config.includeStreamUsage ?? envBool(env, 'TOKENWATCH_OPENAI_STREAM_USAGE', diag) ?? false,
  };
}
