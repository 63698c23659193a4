/**
 * @module
 * The attribution the budget guard uses for a call: the context's (withTask/withAttributes), over
 * the process-wide values the collector finds on the resource, with the agent falling back to
 * `service.name`. The collector resolves a stored call's agent the same way (span, ancestors,
 * resource, then `service.name`), so a remote budget scoped `agent:<name>` and a per-agent rate
 * limit count the same calls the analyzer sums.
 */
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_SERVICE_NAME,
  ATTR_TOKENWATCH_AGENT,
  ATTR_TOKENWATCH_FEATURE,
  ATTR_TOKENWATCH_PROJECT,
  ATTR_TOKENWATCH_TEAM,
} from '@tokenwatch/schema/semconv';
import { ATTRIBUTION_OPTIONS } from './attribution.ts';
import type { Attribution } from './types.ts';

/** What `register()` put on the resource besides the environment's attributes. */
export type ProcessAttribution = {
  agent?: string;
  team?: string;
  feature?: string;
  project?: string;
  serviceName?: string;
};

let registered: ProcessAttribution | undefined;

/** Called by `register()` (and with undefined when its handle shuts down). */
export function setProcessAttribution(value: ProcessAttribution | undefined): void {
  registered = value;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `OTEL_RESOURCE_ATTRIBUTES` as the SDK reads it: `key=value` pairs, values percent-encoded. */
export function envResourceAttributes(env: Env = process.env): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      attributes[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A malformed escape: the SDK drops the pair too.
    }
  }
  return attributes;
}

/**
 * False for the OpenTelemetry SDK's default `unknown_service` / `unknown_service:<process>`, which
 * means nobody named the service.
 */
export function isNamedService(name: string | undefined): name is string {
  return (
    name !== undefined &&
    name !== '' &&
    name !== 'unknown_service' &&
    !name.startsWith('unknown_service:')
  );
}

/**
 * The process-wide attribution, as the resource carries it: the environment's resource attributes
 * win over `register()`'s options (the SDK merges them last), except `serviceName`, which wins
 * over OTEL_SERVICE_NAME.
 */
export function processAttribution(env: Env = process.env): Attribution {
  const fromEnv = envResourceAttributes(env);
  const agent =
    fromEnv[ATTR_TOKENWATCH_AGENT] ?? fromEnv[ATTR_GEN_AI_AGENT_NAME] ?? registered?.agent;
  const team = fromEnv[ATTR_TOKENWATCH_TEAM] ?? registered?.team;
  const feature = fromEnv[ATTR_TOKENWATCH_FEATURE] ?? registered?.feature;
  const project = fromEnv[ATTR_TOKENWATCH_PROJECT] ?? registered?.project;
  const service =
    registered?.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || fromEnv[ATTR_SERVICE_NAME]);
  const result: Attribution = {};
  if (agent) result.agent = agent;
  else if (isNamedService(service)) result.agent = service;
  if (team) result.team = team;
  if (feature) result.feature = feature;
  if (project) result.project = project;
  return result;
}

/** The call's attribution for the guard: the context's values over {@link processAttribution}. */
export function guardAttribution(active: Readonly<Attribution> | undefined): Attribution {
  const result = processAttribution();
  if (!active) return result;
  for (const key of ATTRIBUTION_OPTIONS) {
    const value = active[key];
    if (value !== undefined) result[key] = value;
  }
  if (active.attributes) result.attributes = active.attributes;
  return result;
}
