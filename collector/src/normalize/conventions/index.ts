/**
 * @module
 * The conventions the normalizer understands, in order, and the lookups it walks, computed once
 * at load. To support a new emitter, add a record here (see types.ts for its fields) or extend the
 * record of the convention it follows.
 *
 * The order is the precedence: where a span carries a field under several conventions' keys, the
 * first convention's key wins (Tokenwatch's explicit overrides, then the OTel names, then the
 * others'); within a record, keys are listed most specific first. Within each field, `provider.keys`
 * of every record come before any `systemKeys`, and `model.response` before any `model.either`.
 * Span kinds are tried in the same order, except rules marked `first`, which go before all others;
 * a span that carries a task outcome is the task before any rule is tried.
 */
import { dimensionsWith } from '@tokenwatch/schema';
import { langfuse } from './langfuse.ts';
import { openInference } from './openinference.ts';
import { openLlmetry } from './openllmetry.ts';
import { otelGenAi } from './otel-genai.ts';
import { otelGenAiLegacy } from './otel-genai-legacy.ts';
import { tokenwatch } from './tokenwatch.ts';
import type {
  AttributionKeyField,
  Convention,
  ConventionQuirks,
  SpanKindRule,
  TaskRootMarker,
} from './types.ts';
import { vercelAiSdk } from './vercel-ai-sdk.ts';

export type {
  AttributionKeyField,
  Convention,
  ConventionQuirks,
  SpanKindRule,
  TaskRootMarker,
  UsageKeys,
} from './types.ts';

/** Every convention, in precedence order. */
export const CONVENTIONS: readonly Convention[] = [
  tokenwatch,
  otelGenAi,
  otelGenAiLegacy,
  openInference,
  vercelAiSdk,
  openLlmetry,
  langfuse,
];

const keys = (pick: (c: Convention) => readonly string[] | undefined): readonly string[] =>
  CONVENTIONS.flatMap((c) => pick(c) ?? []);

/** The keys of each field, over every convention, in precedence order. */
export const KEYS = {
  taskOutcome: keys((c) => (c.taskOutcome === undefined ? [] : [c.taskOutcome])),
  input: keys((c) => c.usage?.input),
  uncachedInput: keys((c) => c.usage?.uncachedInput),
  output: keys((c) => c.usage?.output),
  cacheRead: keys((c) => c.usage?.cacheRead),
  cacheWrite: keys((c) => c.usage?.cacheWrite),
  cacheWrite1h: keys((c) => c.usage?.cacheWrite1h),
  reasoning: keys((c) => c.usage?.reasoning),
  requestModel: keys((c) => c.model?.request),
  responseModel: [...keys((c) => c.model?.response), ...keys((c) => c.model?.either)],
  provider: [...keys((c) => c.provider?.keys), ...keys((c) => c.provider?.systemKeys)],
  unmarkedCallModel: keys((c) => c.unmarkedCall?.model),
  unmarkedCallProvider: keys((c) => c.unmarkedCall?.provider),
  finishReasons: keys((c) => c.finishReasons),
  errorType: keys((c) => c.errorType),
  reportedCostUsd: keys((c) => c.reportedCostUsd),
  taskName: keys((c) => c.taskName),
  prefixHash: keys((c) => c.prefixHash),
  requestHash: keys((c) => c.requestHash),
} as const;

/** Per key of {@link KEYS}.input: whether its convention counts cache inside input. */
export const INPUT_INCLUDES_CACHE: readonly boolean[] = CONVENTIONS.flatMap((c) =>
  (c.usage?.input ?? []).map(() => c.usage?.inputIncludesCache ?? true),
);

/**
 * Every attribute that reports usage (reasoning aside, which never comes alone): a span that is
 * not a call but carries one is an aggregate.
 */
export const USAGE_KEYS: readonly string[] = [
  ...KEYS.input,
  ...KEYS.uncachedInput,
  ...KEYS.output,
  ...KEYS.cacheRead,
  ...KEYS.cacheWrite,
];

/** Every attribution field: the dimension table's attributable ones, and the task id. */
export const ATTRIBUTION_FIELDS: readonly AttributionKeyField[] = [
  ...dimensionsWith('attributable').map((d) => d.field),
  'taskId',
];

/** Attribution keys per field, over every convention, in precedence order. */
export const ATTRIBUTION_KEYS = Object.fromEntries(
  ATTRIBUTION_FIELDS.map((field) => [field, keys((c) => c.attribution?.[field])]),
) as Readonly<Record<AttributionKeyField, readonly string[]>>;

/** Fallback resource keys per field, over every convention, in precedence order. */
export const ATTRIBUTION_FALLBACK_KEYS = Object.fromEntries(
  ATTRIBUTION_FIELDS.map((field) => [field, keys((c) => c.attributionFallback?.[field])]),
) as Readonly<Record<AttributionKeyField, readonly string[]>>;

/** Span kind rules in the order they are tried: `first` rules, then the rest. */
export const SPAN_KIND_RULES: readonly SpanKindRule[] = [
  ...CONVENTIONS.flatMap((c) => (c.spanKinds ?? []).filter((rule) => rule.first)),
  ...CONVENTIONS.flatMap((c) => (c.spanKinds ?? []).filter((rule) => !rule.first)),
];

/**
 * Rules that name operations, in list order (a call's operation does not depend on which rule
 * made it a call).
 */
export const OPERATION_RULES: readonly SpanKindRule[] = CONVENTIONS.flatMap((c) =>
  (c.spanKinds ?? []).filter((rule) => rule.operations !== undefined),
);

/** Every task root marker (any one makes a root span a task). */
export const TASK_ROOTS: readonly TaskRootMarker[] = CONVENTIONS.flatMap((c) => c.taskRoots ?? []);

/** Every convention's {@link ConventionQuirks.inputExcludesCache}. */
export const INPUT_EXCLUDES_CACHE: readonly NonNullable<ConventionQuirks['inputExcludesCache']>[] =
  CONVENTIONS.flatMap((c) => (c.quirks?.inputExcludesCache ? [c.quirks.inputExcludesCache] : []));

/** Scope names of the emitters known never to report cache tokens, over every convention. */
export const CACHE_UNREPORTED_SCOPES: ReadonlySet<string> = new Set(
  CONVENTIONS.flatMap((c) => c.cacheUnreportedScopes ?? []),
);

/** Every convention's {@link ConventionQuirks.requestModel}, in precedence order. */
export const REQUEST_MODEL_QUIRKS: readonly NonNullable<ConventionQuirks['requestModel']>[] =
  CONVENTIONS.flatMap((c) => (c.quirks?.requestModel ? [c.quirks.requestModel] : []));

/** Whether any convention's provider values carry an API suffix. */
export const PROVIDER_API_SUFFIX = CONVENTIONS.some((c) => c.quirks?.providerApiSuffix);

/**
 * Provider aliases of every convention. Two conventions may list the same spelling only with the
 * same meaning: a conflict fails at load.
 */
export const PROVIDER_ALIASES: ReadonlyMap<string, string> = (() => {
  const aliases = new Map<string, string>();
  for (const c of CONVENTIONS) {
    for (const [alias, provider] of Object.entries(c.provider?.aliases ?? {})) {
      const known = aliases.get(alias);
      if (known !== undefined && known !== provider) {
        throw new Error(
          `provider alias ${alias} is ${known} in one convention, ${provider} in ${c.name}`,
        );
      }
      aliases.set(alias, provider);
    }
  }
  return aliases;
})();
