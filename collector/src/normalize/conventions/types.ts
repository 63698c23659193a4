/**
 * @module
 * The shape of a convention record: everything the normalizer knows about one way of reporting
 * LLM calls in spans. The normalizer itself holds no attribute names; it walks the records in the
 * order of `index.ts`.
 */
import type { AttributionField } from '@tokenwatch/schema';
import type { Attributes, DecodedScope } from '../../otlp/types.ts';

/**
 * Fields a call or task is attributed by, as the records name their keys: the attributable
 * dimensions of the dimension table (`@tokenwatch/schema`), and the task id.
 */
export type AttributionKeyField = AttributionField | 'taskId';

/**
 * How a convention names the kind of a span, and which kinds are billable calls. A rule reads one
 * attribute; the first rule (in the order of `index.ts`) that claims a span decides its role:
 * `call`, or not a call — which makes it an aggregate when it carries usage (agents, workflows,
 * the AI SDK's outer spans), and `other` when it does not.
 */
export type SpanKindRule = {
  /** The attribute that names the span's kind. */
  key: string;
  /**
   * Quirk: when the instrumentation scope has this name and `key` is absent, the span name is the
   * kind (the AI SDK's `ai` tracer names its spans by operation id).
   */
  spanNameInScope?: string;
  /** Case the value is compared in, for conventions whose values are case-insensitive. */
  case?: 'lower' | 'upper';
  /** Kinds that are one billable request each. */
  calls: readonly string[] | RegExp;
  /**
   * Which other kinds the rule claims as not a call: `all`, `none` (only calls claim, other values
   * fall through to the next rule), those matching a pattern, or all but some.
   */
  others: 'all' | 'none' | RegExp | { except: readonly string[] };
  /**
   * The Tokenwatch operation of a call, where the kind says it (`embeddings`, `text_completion`):
   * the first match over all rules wins, `chat` when none matches.
   */
  operations?: ReadonlyArray<readonly [kind: string | RegExp, operation: string]>;
  /**
   * Quirk: tried before every other convention's rules, for a convention whose spans also carry
   * another convention's kind attribute with a misleading value.
   */
  first?: true;
};

/** A root span of this kind stands for a task when no span says it is the task. */
export type TaskRootMarker = {
  key: string;
  case?: 'lower' | 'upper';
  values: readonly string[];
};

/**
 * Token attributes of a convention, each list most specific first. Tokenwatch stores kinds that
 * never overlap: uncached input, cache read, cache write, output (reasoning included), and
 * reasoning as a part of output.
 */
export type UsageKeys = {
  /** Input tokens, see {@link UsageKeys.inputIncludesCache}. */
  input?: readonly string[];
  /** Uncached input alone: when present, it is the input, whatever the input count says. */
  uncachedInput?: readonly string[];
  /** Output tokens, reasoning included. */
  output?: readonly string[];
  cacheRead?: readonly string[];
  cacheWrite?: readonly string[];
  /** Cache writes to a 1-hour cache: a part of cacheWrite, priced at its own rate. */
  cacheWrite1h?: readonly string[];
  /** Reasoning tokens, a part of output. */
  reasoning?: readonly string[];
  /**
   * Whether this convention's input count includes cache reads and writes (the OTel rule). The
   * normalizer subtracts them from an inclusive count. Emitters that break their convention's rule
   * are handled by {@link ConventionQuirks.inputExcludesCache}.
   */
  inputIncludesCache: boolean;
};

/** Named exceptions to a convention's rules, each documented where a record sets it. */
export type ConventionQuirks = {
  /**
   * True for spans whose input count excludes cache reads and writes although their input
   * attribute says otherwise. Consulted for every call span, whichever convention's key carried
   * the input.
   */
  inputExcludesCache?: (attrs: Attributes, scope: DecodedScope) => boolean;
  /**
   * Provider values come as `<provider>.<api>` (`openai.chat`, `google.vertex.chat`), under this
   * convention's keys and under others' the same emitter sets: the longest known alias before a
   * dot names the provider.
   */
  providerApiSuffix?: true;
  /**
   * The request model of a span that names it under none of the `model.request` keys, read from
   * another of its attributes (OpenInference keeps it inside a JSON string). Called only for call
   * spans without a request model key; must never throw, and return undefined when unsure.
   */
  requestModel?: (attrs: Attributes) => string | undefined;
};

/** One convention: how to recognise its spans and read each field Tokenwatch stores. */
export type Convention = {
  /** Short name, the record's file name. */
  name: string;
  /** Emitters known to follow it (instrumentation scope names or libraries), for the reader. */
  emitters: readonly string[];
  /**
   * Instrumentation scope names of emitters known never to report cache tokens (their input
   * count includes cache reads it does not split out): their calls are flagged `cacheUnreported`.
   */
  cacheUnreportedScopes?: readonly string[];
  /** Span kind rules, tried in order. */
  spanKinds?: readonly SpanKindRule[];
  /** An attribute that marks the span representing a task; its value is the task's outcome. */
  taskOutcome?: string;
  /**
   * For spans no kind rule claimed (hand-built, legacy): any of these model keys together with
   * any of these provider keys, or with usage, makes a call.
   */
  unmarkedCall?: { model: readonly string[]; provider: readonly string[] };
  usage?: UsageKeys;
  model?: {
    request?: readonly string[];
    response?: readonly string[];
    /** A model name that is the response model when known, else the request model. */
    either?: readonly string[];
  };
  provider?: {
    /** The provider that served the request. */
    keys?: readonly string[];
    /** Fallbacks naming the model's maker or the client library, read after every `keys`. */
    systemKeys?: readonly string[];
    /** Lower-cased provider values as emitted → the OTel `gen_ai.provider.name` value. */
    aliases?: Readonly<Record<string, string>>;
  };
  finishReasons?: readonly string[];
  /** The error type of a failed call (before the span's `exception` event). */
  errorType?: readonly string[];
  /** What the emitter says the call cost, in USD. */
  reportedCostUsd?: readonly string[];
  /** Root spans that stand for a task when no span says it is the task. */
  taskRoots?: readonly TaskRootMarker[];
  /** The name of a task (before the span name). */
  taskName?: readonly string[];
  /** Hash of the cacheable prompt prefix, and of the whole request. */
  prefixHash?: readonly string[];
  requestHash?: readonly string[];
  /** Attribution keys per field, read on the span, then its ancestors, then the resource. */
  attribution?: Partial<Record<AttributionKeyField, readonly string[]>>;
  /**
   * Resource keys a field falls back to when the span, its ancestors, the resource and the
   * configured rules all left it empty (the project from `service.namespace`).
   */
  attributionFallback?: Partial<Record<AttributionKeyField, readonly string[]>>;
  quirks?: ConventionQuirks;
};
