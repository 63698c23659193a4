import type { DecodedScope, DecodedSpan } from '../otlp/types.ts';
import {
  CONVENTIONS,
  KEYS,
  OPERATION_RULES,
  SPAN_KIND_RULES,
  type SpanKindRule,
  TASK_ROOTS,
  type TaskRootMarker,
  USAGE_KEYS,
} from './conventions/index.ts';
import { hasAny, readString } from './read-attributes.ts';

/**
 * What a span is to Tokenwatch:
 * - `call`: one billable request to a model;
 * - `aggregate`: a span that carries usage summed from the calls under it (agents, workflows, the
 *   Vercel AI SDK's outer spans) — recorded, never billed, or every call would count twice;
 * - `task`: the span that represents a task and its outcome;
 * - `other`: anything else (tools, HTTP, databases).
 */
export type SpanRole = 'call' | 'aggregate' | 'task' | 'other';

/** A span's role and the convention whose rule decided it (none for unmarked spans). */
export type Recognition = { readonly role: SpanRole; readonly convention: string | undefined };

type Case = SpanKindRule['case'];
const inCase = (value: string, wanted: Case): string =>
  wanted === 'lower' ? value.toLowerCase() : wanted === 'upper' ? value.toUpperCase() : value;

const matcher = (values: readonly string[] | RegExp): ((kind: string) => boolean) => {
  if (values instanceof RegExp) return (kind) => values.test(kind);
  const set = new Set(values);
  return (kind) => set.has(kind);
};

const otherMatcher = (others: SpanKindRule['others']): ((kind: string) => boolean) => {
  if (others === 'all') return () => true;
  if (others === 'none') return () => false;
  if (others instanceof RegExp) return (kind) => others.test(kind);
  const except = matcher(others.except);
  return (kind) => !except(kind);
};

/** The recognitions a convention's rule can return, allocated once. */
const recognitions = (convention: string | undefined) =>
  ({
    call: { role: 'call', convention },
    aggregate: { role: 'aggregate', convention },
    other: { role: 'other', convention },
  }) as const satisfies Record<string, Recognition>;

/** A kind rule made into functions once, at load. */
type CompiledRule = {
  kindOf(span: DecodedSpan, scope: DecodedScope): string | undefined;
  isCall(kind: string): boolean;
  claimsOther(kind: string): boolean;
  operationOf(kind: string): string | undefined;
  recognized: ReturnType<typeof recognitions>;
};

function compile(rule: SpanKindRule, convention: string | undefined): CompiledRule {
  const keys = [rule.key];
  const { spanNameInScope } = rule;
  const operations = (rule.operations ?? []).map(
    ([kind, operation]) => [matcher(typeof kind === 'string' ? [kind] : kind), operation] as const,
  );
  return {
    kindOf(span, scope) {
      const kind =
        readString(span.attributes, keys) ??
        (spanNameInScope !== undefined && scope.name === spanNameInScope ? span.name : undefined);
      return kind === undefined ? undefined : inCase(kind, rule.case);
    },
    isCall: matcher(rule.calls),
    claimsOther: otherMatcher(rule.others),
    operationOf(kind) {
      for (const [matches, operation] of operations) if (matches(kind)) return operation;
      return undefined;
    },
    recognized: recognitions(convention),
  };
}

const ownerOf = (rule: SpanKindRule): string | undefined =>
  CONVENTIONS.find((c) => c.spanKinds?.includes(rule))?.name;
const KIND_RULES = SPAN_KIND_RULES.map((rule) => compile(rule, ownerOf(rule)));
const CALL_OPERATION_RULES = OPERATION_RULES.map((rule) => compile(rule, ownerOf(rule)));
const TASK_MARKERS = CONVENTIONS.flatMap((c) =>
  c.taskOutcome === undefined
    ? []
    : [{ key: c.taskOutcome, recognized: { role: 'task', convention: c.name } as Recognition }],
);
const UNMARKED = recognitions(undefined);

/**
 * Decides the role of a span by walking the conventions' rules (conventions/index.ts): a task
 * outcome makes the task; else the first kind rule that claims the span makes it a call or not;
 * else a model key with a provider or usage makes a call (hand-built and legacy spans). A span
 * that is not a call but carries usage is an aggregate.
 */
export function recognizeSpan(span: DecodedSpan, scope: DecodedScope): Recognition {
  const attrs = span.attributes;
  for (const task of TASK_MARKERS) if (attrs[task.key] !== undefined) return task.recognized;
  for (const rule of KIND_RULES) {
    const kind = rule.kindOf(span, scope);
    if (kind === undefined) continue;
    if (rule.isCall(kind)) return rule.recognized.call;
    if (rule.claimsOther(kind)) return withUsage(rule, span);
  }
  if (
    hasAny(attrs, KEYS.unmarkedCallModel) &&
    (hasAny(attrs, KEYS.unmarkedCallProvider) || hasAny(attrs, USAGE_KEYS))
  ) {
    return UNMARKED.call;
  }
  return hasAny(attrs, USAGE_KEYS) ? UNMARKED.aggregate : UNMARKED.other;
}

function withUsage(rule: CompiledRule, span: DecodedSpan): Recognition {
  return hasAny(span.attributes, USAGE_KEYS) ? rule.recognized.aggregate : rule.recognized.other;
}

/** Decides the role of a span ({@link recognizeSpan}). */
export function classifySpan(span: DecodedSpan, scope: DecodedScope): SpanRole {
  return recognizeSpan(span, scope).role;
}

/** The operation name to record for a call span: the first rule that names one, else `chat`. */
export function callOperation(span: DecodedSpan, scope: DecodedScope): string {
  for (const rule of CALL_OPERATION_RULES) {
    const kind = rule.kindOf(span, scope);
    const operation = kind === undefined ? undefined : rule.operationOf(kind);
    if (operation !== undefined) return operation;
  }
  return 'chat';
}

const ROOT_MARKERS = TASK_ROOTS.map((marker: TaskRootMarker) => ({
  keys: [marker.key],
  case: marker.case,
  values: new Set(marker.values),
}));

/** Whether a root span stands for a task when no span says it is the task (agents, workflows). */
export function isImplicitTaskRoot(span: DecodedSpan): boolean {
  if (span.parentSpanId !== '') return false;
  for (const marker of ROOT_MARKERS) {
    const value = readString(span.attributes, marker.keys);
    if (value !== undefined && marker.values.has(inCase(value, marker.case))) return true;
  }
  return false;
}
