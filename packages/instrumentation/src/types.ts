/**
 * @module
 * Public types of `@tokenwatch/instrumentation`: options, attribution, tasks and the budget guard.
 */
import type { AttributeValue } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Options shared by the OpenAI and Anthropic instrumentations. */
export interface TokenwatchInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompts and completions on call spans (`gen_ai.input.messages`,
   * `gen_ai.output.messages`, `gen_ai.system_instructions`). Env: `TOKENWATCH_CAPTURE_CONTENT`.
   * @default false
   */
  captureContent?: boolean;
  /**
   * Add `stream_options: { include_usage: true }` to streamed OpenAI chat completions that leave
   * it unset, so their spans carry usage. Off by default because it changes what the application
   * receives: one more chunk, with no choices. Env: `TOKENWATCH_OPENAI_STREAM_USAGE`.
   * @default false
   */
  includeStreamUsage?: boolean;
}

/**
 * Who and what a piece of work is for. Every span started inside {@link withAttributes} or
 * {@link withTask} carries these, under the names the collector reads.
 */
export type Attribution = {
  /** Written as `gen_ai.agent.name`. */
  agent?: string;
  /** Written as `user.id`. */
  user?: string;
  /** Written as `tokenwatch.team`. */
  team?: string;
  /** Written as `tokenwatch.feature`. */
  feature?: string;
  /** Written as `tokenwatch.project`. */
  project?: string;
  /** Written as `session.id`. */
  session?: string;
  /** Any other attributes to put on every span. */
  attributes?: Readonly<Record<string, AttributeValue>>;
};

/** How a task ended. */
export type TaskOutcome = 'success' | 'failure' | 'partial' | 'abandoned';

/** Options of {@link withTask}. */
export type TaskOptions = Attribution & {
  /** Low-cardinality kind of work, e.g. `triage-ticket`. Written as `tokenwatch.task.name`. */
  name: string;
  /** Task id, written as `tokenwatch.task.id`. @default a random UUID */
  id?: string;
  /**
   * The task's budget guard, merged over the defaults given to `register` or `configureBudget`.
   * `false`: no guard of its own (the guard of an enclosing task still applies).
   * @default the configured defaults (no guard when none are configured)
   */
  budget?: BudgetOptions | false;
};

/** Handle a task's function receives. */
export type TaskHandle = {
  readonly id: string;
  readonly name: string;
  /**
   * Sets the outcome explicitly; it wins over the one derived from how the function ended
   * (success when it resolves, failure when it throws).
   */
  setOutcome(outcome: TaskOutcome): void;
  /** What the task used and has left; undefined when the task has no guard. */
  getBudget(): BudgetStatus | undefined;
};

/** What the guard does when a call would cross the budget. */
export type BudgetPolicy = 'throw' | 'degrade' | 'warn';

/** Counts text as tokens for the pre-flight estimate. */
export type Tokenizer = (text: string, model: string) => number;

/** How `degrade` makes a call cheaper. */
export type DegradeOptions = {
  /** The cheaper model: one for every call, or per requested model. @default keep the model */
  model?: string | Readonly<Record<string, string>>;
  /** Cap on the output tokens of a degraded call (also capped by what the budget has left). */
  maxOutputTokens?: number;
};

/** Thresholds, as fractions of the model's context window. */
export type ContextTiers = { notice: number; warning: number; critical: number };

/** A call's context crossed a tier of its model's window. */
export type ContextTierEvent = {
  tier: keyof ContextTiers;
  /** Prompt tokens over the window. */
  ratio: number;
  /** Prompt tokens: the pre-flight estimate, or the inclusive input the provider reported. */
  tokens: number;
  contextWindow: number;
  model: string;
  /** `estimate` before the call is sent, `usage` from the response. */
  source: 'estimate' | 'usage';
  taskId: string;
};

/** Circuit breaker settings. */
export type CircuitBreakerOptions = {
  /** Consecutive failed calls after which the circuit opens. @default 5 */
  maxConsecutiveFailures?: number;
  /** Identical requests in a row allowed; the next identical one opens the circuit. @default 5 */
  maxIdenticalRequests?: number;
  /** How long an open circuit refuses calls before letting one through. @default 30_000 */
  cooldownMs?: number;
};

/** Request-rate limit. */
export type RateLimitOptions = {
  /** Calls allowed in any 60-second window. */
  maxCallsPerMinute: number;
  /** Count per task, or per agent across tasks. @default 'task' */
  per?: 'task' | 'agent';
};

/**
 * Asks a Tokenwatch endpoint whether shared budgets (team, feature, user, agent) allow a call:
 * `GET {url}/api/v1/budgets/check?scope=<scope>`, answered with a
 * {@link RemoteBudgetCheckResponse}. Answers are cached per scope.
 */
export type RemoteCheckOptions = {
  /** Base URL of the endpoint, e.g. `http://127.0.0.1:4319`. */
  url: string;
  /**
   * Scopes to check for a call, from the call's attribution.
   * @default `team:<team>`, `feature:<feature>`, `project:<project>`, `user:<user>`,
   * `agent:<agent>` for those set
   */
  scopes?: (attribution: Readonly<Attribution>) => string[];
  /** How long an answer is reused. @default 5_000 */
  cacheTtlMs?: number;
  /** Time allowed for an answer. @default 1_000 */
  timeoutMs?: number;
  /**
   * Let calls through when the endpoint cannot be reached or answers garbage; `false` refuses
   * them instead. @default true
   */
  failOpen?: boolean;
  /** Extra request headers, e.g. an API key. */
  headers?: Readonly<Record<string, string>>;
};

/**
 * The answer of `GET /api/v1/budgets/check?scope=<scope>` (implemented by the analyzer).
 *
 * @example
 * ```json
 * { "scope": "team:search", "allowed": true, "remainingUsd": "12.5", "remainingTokens": null,
 *   "resetAt": "2026-09-01T00:00:00Z" }
 * ```
 */
export type RemoteBudgetCheckResponse = {
  /** The scope asked about. */
  scope: string;
  /** False when a budget on the scope is exhausted: the call is handled by the policy. */
  allowed: boolean;
  /** USD left on the tightest budget of the scope (decimal string or number); null: no USD budget. */
  remainingUsd?: string | number | null;
  /** Tokens left on the tightest budget of the scope; null: no token budget. */
  remainingTokens?: number | null;
  /** Why the call is not allowed, for the error message. */
  reason?: string;
  /** End of the current budget period, ISO 8601. */
  resetAt?: string;
};

/** The budget guard of a task. Every field is optional; limits left out are not enforced. */
export type BudgetOptions = {
  /** Tokens per task: input (cached included) plus output, summed over its calls. */
  maxTokens?: number;
  /** USD per task, priced with `@tokenwatch/pricing`. */
  maxUsd?: number;
  /** What to do when a call would cross a limit. @default 'throw' */
  onExhausted?: BudgetPolicy;
  /** How `degrade` makes the call cheaper. */
  degrade?: DegradeOptions;
  /** Pre-flight token counter. @default characters / 4, rounded up */
  tokenizer?: Tokenizer;
  /**
   * Count the request's output cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`)
   * in the pre-flight estimate, as the worst case. @default true
   */
  countMaxOutputTokens?: boolean;
  /** Context tiers; `false` turns them off. @default { notice: 0.7, warning: 0.85, critical: 0.9 } */
  contextTiers?: Partial<ContextTiers> | false;
  /** The model's context window. @default `getContextWindow` of `@tokenwatch/pricing` */
  contextWindow?: number | ((model: string, provider: string) => number | undefined);
  /** Called when a call's context crosses a tier (also recorded as a span event). */
  onContextTier?: (event: ContextTierEvent) => void;
  /** Circuit breaker; `false` turns it off. @default {} (the defaults of each field) */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Request-rate limit. @default none */
  rateLimit?: RateLimitOptions;
  /** Shared budgets held by a Tokenwatch endpoint. @default none */
  remoteCheck?: RemoteCheckOptions;
  /** Called on warnings, degraded and refused calls (also recorded as span events). */
  onEvent?: (event: BudgetEvent) => void;
};

/** What refused or changed a call. */
export type BudgetReason =
  | 'tokens'
  | 'usd'
  | 'remote'
  | 'remote-unavailable'
  | 'rate'
  | 'consecutive-failures'
  | 'identical-requests';

/** Something the guard did, reported to `onEvent`. */
export type BudgetEvent =
  | {
      type: 'exceeded';
      reason: BudgetReason;
      taskId: string;
      /** The policy was `warn`: the call went ahead. */
      policy: 'warn';
      message: string;
    }
  | {
      type: 'degraded';
      reason: BudgetReason;
      taskId: string;
      fromModel: string;
      toModel: string;
      maxOutputTokens: number | undefined;
    }
  | { type: 'refused'; reason: BudgetReason; taskId: string; error: Error };

/** Numbers of a task's budget, for the agent to plan with. */
export type BudgetStatus = {
  taskId: string;
  limits: { tokens: number | undefined; usd: number | undefined };
  used: {
    /** Input (cached included) plus output tokens of finished calls. */
    tokens: number;
    inputTokens: number;
    outputTokens: number;
    /** USD of finished calls whose model has a price. */
    usd: number;
    calls: number;
    failedCalls: number;
    /** Calls whose usage was estimated because the response carried none (e.g. streams). */
    estimatedCalls: number;
    /** Calls no price was found for: their USD is not in `usd`. */
    unpricedCalls: number;
  };
  /** Held by calls in flight (their pre-flight estimates). */
  reserved: { tokens: number; usd: number };
  /** Limit minus used minus reserved; undefined without a limit. */
  remaining: { tokens: number | undefined; usd: number | undefined };
  circuit: 'closed' | 'open' | 'half-open';
};

/** Options of {@link register}. */
export type RegisterOptions = TokenwatchInstrumentationConfig & {
  /** `service.name`; wins over OTEL_SERVICE_NAME. @default OTEL_SERVICE_NAME, else the SDK's default */
  serviceName?: string;
  /**
   * Process-wide attribution, written as resource attributes
   * (TOKENWATCH_AGENT/TEAM/FEATURE/PROJECT).
   */
  agent?: string;
  team?: string;
  feature?: string;
  project?: string;
  /**
   * The sampler for everything but LLM calls and tasks, which are always recorded.
   * @default the one OTEL_TRACES_SAMPLER names, else parent-based always-on
   */
  sampler?: Sampler;
  /**
   * Where spans go. @default OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT with
   * OTEL_EXPORTER_OTLP_(TRACES_)HEADERS
   */
  traceExporter?: SpanExporter;
  /** Default budget guard of every task. @default none */
  budget?: BudgetOptions;
};

/** What {@link register} returns. */
export type TokenwatchHandle = {
  /** Exports what is buffered. Never rejects: a failed export is reported on stderr. */
  forceFlush(): Promise<void>;
  /**
   * Flushes and stops the SDK; call it before the process exits. Waits a few seconds at most and
   * never rejects: a collector that cannot be reached is reported on stderr, once.
   */
  shutdown(): Promise<void>;
};
