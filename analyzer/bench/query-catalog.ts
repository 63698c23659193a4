/**
 * @module
 * The synthetic organisation behind the query benchmark: models with list prices, agents, teams,
 * features and services. Passed to the generating SQL as bound array parameters.
 */

/** A model with its provider, prices in USD per million tokens and context window. */
export type BenchModel = {
  provider: string;
  model: string;
  /** Input, cache read, cache write and output prices; null when the model has no price. */
  prices: [string, string, string, string] | null;
  contextWindow: number;
  reasoning: boolean;
};

const m = (
  provider: string,
  model: string,
  prices: BenchModel['prices'],
  contextWindow: number,
  reasoning = false,
): BenchModel => ({ provider, model, prices, contextWindow, reasoning });

/** 20 models over five providers; the last two are self-hosted and unpriced. */
export const MODELS: readonly BenchModel[] = [
  m('openai', 'gpt-4o', ['2.5', '1.25', '0', '10'], 128_000),
  m('openai', 'gpt-4o-mini', ['0.15', '0.075', '0', '0.6'], 128_000),
  m('openai', 'gpt-4.1', ['2', '0.5', '0', '8'], 1_047_576),
  m('openai', 'gpt-4.1-mini', ['0.4', '0.1', '0', '1.6'], 1_047_576),
  m('openai', 'o3', ['2', '0.5', '0', '8'], 200_000, true),
  m('openai', 'o4-mini', ['1.1', '0.275', '0', '4.4'], 200_000, true),
  m('openai', 'gpt-5', ['1.25', '0.125', '0', '10'], 400_000, true),
  m('openai', 'gpt-5-mini', ['0.25', '0.025', '0', '2'], 400_000, true),
  m('anthropic', 'claude-sonnet-4', ['3', '0.3', '3.75', '15'], 200_000),
  m('anthropic', 'claude-sonnet-4-5', ['3', '0.3', '3.75', '15'], 200_000),
  m('anthropic', 'claude-opus-4', ['15', '1.5', '18.75', '75'], 200_000),
  m('anthropic', 'claude-3-5-haiku', ['0.8', '0.08', '1', '4'], 200_000),
  m('anthropic', 'claude-haiku-4-5', ['1', '0.1', '1.25', '5'], 200_000),
  m('google', 'gemini-2.5-pro', ['1.25', '0.31', '0', '10'], 1_048_576, true),
  m('google', 'gemini-2.5-flash', ['0.3', '0.075', '0', '2.5'], 1_048_576),
  m('google', 'gemini-2.0-flash', ['0.1', '0.025', '0', '0.4'], 1_048_576),
  m('mistral', 'mistral-large-latest', ['2', '0', '0', '6'], 128_000),
  m('mistral', 'mistral-small-latest', ['0.1', '0', '0', '0.3'], 128_000),
  m('vllm', 'llama-3.3-70b-internal', null, 131_072),
  m('vllm', 'qwen2.5-coder-32b-internal', null, 32_768),
];

const AGENT_KINDS = [
  'planner',
  'coder',
  'reviewer',
  'researcher',
  'support-bot',
  'summarizer',
  'triage',
  'sql-writer',
  'translator',
  'extractor',
];
const AGENT_AREAS = ['core', 'billing', 'search', 'docs', 'ops'];

/** 50 agents: kind × area, e.g. `planner-billing`. */
export const AGENTS: readonly string[] = AGENT_AREAS.flatMap((area) =>
  AGENT_KINDS.map((kind) => `${kind}-${area}`),
);

/** Agents whose prompt prefix changes on every call (a timestamp in the system prompt). */
export const CACHE_BREAKING_AGENTS: readonly number[] = [7, 23, 41];

export const TEAMS: readonly string[] = [
  'platform',
  'growth',
  'support',
  'search',
  'billing',
  'data',
  'security',
  'mobile',
];

export const FEATURES: readonly string[] = [
  'chat',
  'autocomplete',
  'code-review',
  'ticket-triage',
  'summaries',
  'search-answers',
  'sql-assist',
  'onboarding',
  'translation',
  'extraction',
  'email-drafts',
  'reports',
  'agent-runs',
  'eval',
  'backfill',
];

export const SERVICES: readonly string[] = [
  'agents-api',
  'assistant-web',
  'support-worker',
  'batch-jobs',
  'ide-plugin',
];

/** Tenants and their share (percent) of the calls. */
export const TENANTS = [
  { tenant: 'default', upTo: 80 },
  { tenant: 'acme', upTo: 95 },
  { tenant: 'globex', upTo: 100 },
] as const;

/** The tenant every benchmarked analyzer query reads. */
export const BENCH_TENANT = 'default';

/** Bound parameters describing the catalog, shared by the calls and tasks inserts. */
export function catalogParams(): Record<string, unknown> {
  return {
    models: MODELS.map((x) => x.model),
    providers: MODELS.map((x) => x.provider),
    price_in: MODELS.map((x) => x.prices?.[0] ?? '0'),
    price_read: MODELS.map((x) => x.prices?.[1] ?? '0'),
    price_write: MODELS.map((x) => x.prices?.[2] ?? '0'),
    price_out: MODELS.map((x) => x.prices?.[3] ?? '0'),
    priced: MODELS.map((x) => (x.prices ? 1 : 0)),
    reasoning: MODELS.map((x) => (x.reasoning ? 1 : 0)),
    windows: MODELS.map((x) => x.contextWindow),
    agents: AGENTS,
    breaking: CACHE_BREAKING_AGENTS,
    teams: TEAMS,
    features: FEATURES,
    services: SERVICES,
    tenant_names: TENANTS.map((t) => t.tenant),
    tenant_cuts: TENANTS.map((t) => t.upTo),
  };
}
