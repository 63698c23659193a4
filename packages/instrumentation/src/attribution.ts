/**
 * @module
 * Attribution on the OpenTelemetry context: {@link withAttributes} puts it there, the span
 * processor copies it onto every span started inside, whichever library starts it.
 */
import { type Attributes, type Context, context, createContextKey } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_SESSION_ID,
  ATTR_TOKENWATCH_FEATURE,
  ATTR_TOKENWATCH_PROJECT,
  ATTR_TOKENWATCH_TEAM,
  ATTR_USER_ID,
} from '@tokenwatch/schema/semconv';
import type { Attribution } from './types.ts';

/** Attribution in effect: as given (for budget scopes) and as span attributes. */
export type ActiveAttribution = {
  readonly attribution: Readonly<Attribution>;
  readonly spanAttributes: Readonly<Attributes>;
};

/** The attribution options that name a dimension (all but `attributes`). */
export const ATTRIBUTION_OPTIONS = [
  'agent',
  'user',
  'team',
  'feature',
  'project',
  'session',
] as const satisfies readonly Exclude<keyof Attribution, 'attributes'>[];

const ATTRIBUTION_KEY = createContextKey('@tokenwatch/instrumentation attribution');

/** Set while an instrumented call runs the SDK method: a nested patched method records nothing. */
export const IN_CALL_KEY = createContextKey('@tokenwatch/instrumentation in-call');

/** The span attributes of an attribution, under the names the collector reads. */
export function toSpanAttributes(attribution: Readonly<Attribution>): Attributes {
  const attributes: Attributes = { ...attribution.attributes };
  if (attribution.agent !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = attribution.agent;
  if (attribution.user !== undefined) attributes[ATTR_USER_ID] = attribution.user;
  if (attribution.team !== undefined) attributes[ATTR_TOKENWATCH_TEAM] = attribution.team;
  if (attribution.feature !== undefined) attributes[ATTR_TOKENWATCH_FEATURE] = attribution.feature;
  if (attribution.project !== undefined) attributes[ATTR_TOKENWATCH_PROJECT] = attribution.project;
  if (attribution.session !== undefined) attributes[ATTR_SESSION_ID] = attribution.session;
  return attributes;
}

/** The attribution in effect in `ctx`. */
export function activeAttribution(ctx: Context = context.active()): ActiveAttribution | undefined {
  return ctx.getValue(ATTRIBUTION_KEY) as ActiveAttribution | undefined;
}

/**
 * `ctx` with `attribution` merged over the attribution already there (inner values win), plus
 * `extra` span attributes.
 */
export function withAttribution(
  ctx: Context,
  attribution: Readonly<Attribution>,
  extra: Attributes = {},
): Context {
  const outer = activeAttribution(ctx);
  const merged: Attribution = {
    ...outer?.attribution,
    ...definedFields(attribution),
    attributes: { ...outer?.attribution.attributes, ...attribution.attributes },
  };
  const value: ActiveAttribution = {
    attribution: merged,
    spanAttributes: { ...outer?.spanAttributes, ...toSpanAttributes(attribution), ...extra },
  };
  return ctx.setValue(ATTRIBUTION_KEY, value);
}

function definedFields(attribution: Readonly<Attribution>): Attribution {
  const result: Attribution = {};
  for (const key of ATTRIBUTION_OPTIONS) {
    const value = attribution[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * Runs `fn` with `attribution` on the context: every span started inside, by this package or any
 * other library, carries it. Nested calls merge, the inner values winning.
 *
 * @example
 * ```ts
 * await withAttributes({ user: 'u-42', feature: 'search' }, () => agent.run(query));
 * ```
 */
export function withAttributes<T>(attribution: Readonly<Attribution>, fn: () => T): T {
  return context.with(withAttribution(context.active(), attribution), fn);
}
