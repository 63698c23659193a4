import type { AttributionField } from '@tokenwatch/schema';
import type { Attributes } from '../otlp/types.ts';
import {
  ATTRIBUTION_FALLBACK_KEYS,
  ATTRIBUTION_FIELDS,
  ATTRIBUTION_KEYS,
  type AttributionKeyField,
} from './conventions/index.ts';
import { readString } from './read-attributes.ts';

/** The attribution a call or task carries (tenant comes from the API key, not from spans). */
export type Attribution = Record<AttributionKeyField, string>;

/** Fields a span can be attributed by (the dimension table's attributable ones). */
export type { AttributionField };

/** A configured rule: take `field` from `attribute` (span, then resource) when nothing set it. */
export type AttributionRule = { field: AttributionField; attribute: string };

// The service and environment describe the process, not the work: never inherited from ancestors.
const INHERITED = ATTRIBUTION_FIELDS.filter((f) => f !== 'service' && f !== 'environment');
const WITH_FALLBACK = ATTRIBUTION_FIELDS.filter((f) => ATTRIBUTION_FALLBACK_KEYS[f].length > 0);

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
 * the resource, the service from the resource. A field the rules left empty takes the resource's
 * fallback keys (the project: `service.namespace`). An agent nothing names is the service
 * (`service.name`), unless that is the SDK's default: a service that makes LLM calls is usually
 * one agent, and a blank agent hides it from every per-agent view.
 */
export function resolveAttribution(
  own: Attributes,
  ancestors: readonly Attributes[],
  resource: Attributes,
  traceId: string,
  rules: readonly AttributionRule[],
): Attribution {
  const result = Object.fromEntries(ATTRIBUTION_FIELDS.map((f) => [f, ''])) as Attribution;
  result.service = readString(resource, ATTRIBUTION_KEYS.service) ?? '';
  result.environment =
    readString(own, ATTRIBUTION_KEYS.environment) ??
    readString(resource, ATTRIBUTION_KEYS.environment) ??
    '';
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
  // After the rules, which are more specific: the resource's fallbacks (the project from
  // service.namespace), and the service as the agent.
  for (const field of WITH_FALLBACK) {
    if (result[field] === '')
      result[field] = readString(resource, ATTRIBUTION_FALLBACK_KEYS[field]) ?? '';
  }
  if (result.agent === '' && isNamedService(result.service)) result.agent = result.service;
  if (result.taskId === '') result.taskId = traceId;
  return result;
}
