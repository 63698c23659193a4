import type { Attributes } from '../otlp/types.ts';
import { ATTRIBUTION_KEYS } from './conventions/index.ts';
import { readString } from './read-attributes.ts';

/** The attribution a call or task carries (tenant comes from the API key, not from spans). */
export type Attribution = {
  service: string;
  environment: string;
  agent: string;
  userId: string;
  team: string;
  feature: string;
  sessionId: string;
  taskId: string;
};

/** Fields a span can be attributed by. */
export type AttributionField =
  | 'agent'
  | 'userId'
  | 'team'
  | 'feature'
  | 'sessionId'
  | 'environment'
  | 'service';

/** A configured rule: take `field` from `attribute` (span, then resource) when nothing set it. */
export type AttributionRule = { field: AttributionField; attribute: string };

const INHERITED = ['agent', 'userId', 'team', 'feature', 'sessionId', 'taskId'] as const;

/**
 * False for the OpenTelemetry SDK's default service name (`unknown_service`, or
 * `unknown_service:<process>` as the Node SDK spells it), which says nobody named the service.
 */
function isNamedService(name: string): boolean {
  return name !== '' && name !== 'unknown_service' && !name.startsWith('unknown_service:');
}

/**
 * Attribution of a span, with the keys of every convention (conventions/index.ts): its own
 * attributes, then its ancestors' in the same batch (nearest first), then the resource's, then the
 * configured rules; the task id falls back to the trace id. The environment comes from the span or
 * the resource, the service from the resource. An agent
 * nothing names is the service (`service.name`), unless that is the SDK's default: a service that
 * makes LLM calls is usually one agent, and a blank agent hides it from every per-agent view.
 */
export function resolveAttribution(
  own: Attributes,
  ancestors: readonly Attributes[],
  resource: Attributes,
  traceId: string,
  rules: readonly AttributionRule[],
): Attribution {
  const result: Attribution = {
    service: readString(resource, ATTRIBUTION_KEYS.service) ?? '',
    environment:
      readString(own, ATTRIBUTION_KEYS.environment) ??
      readString(resource, ATTRIBUTION_KEYS.environment) ??
      '',
    agent: '',
    userId: '',
    team: '',
    feature: '',
    sessionId: '',
    taskId: '',
  };
  for (const field of INHERITED) {
    const keys = ATTRIBUTION_KEYS[field];
    let value = readString(own, keys);
    for (let i = 0; value === undefined && i < ancestors.length; i++)
      value = readString(ancestors[i]!, keys);
    result[field] = value ?? readString(resource, keys) ?? '';
  }
  for (const rule of rules) {
    if (result[rule.field] !== '') continue;
    const keys = [rule.attribute];
    result[rule.field] = readString(own, keys) ?? readString(resource, keys) ?? '';
  }
  // After the rules: a configured rule naming the agent is more specific than the service.
  if (result.agent === '' && isNamedService(result.service)) result.agent = result.service;
  if (result.taskId === '') result.taskId = traceId;
  return result;
}
