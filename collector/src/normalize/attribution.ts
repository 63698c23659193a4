import {
  ATTR_DEPLOYMENT_ENVIRONMENT,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ENDUSER_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_SERVICE_NAME,
  ATTR_SESSION_ID,
  ATTR_TOKENWATCH_AGENT,
  ATTR_TOKENWATCH_FEATURE,
  ATTR_TOKENWATCH_SESSION,
  ATTR_TOKENWATCH_TASK_ID,
  ATTR_TOKENWATCH_TEAM,
  ATTR_TOKENWATCH_USER,
  ATTR_USER_ID,
} from '@tokenwatch/schema/semconv';
import type { Attributes } from '../otlp/types.ts';
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

// Tokenwatch's own names first (explicit overrides), then the standard names, then what other
// instrumentations put there (OpenInference, Vercel AI SDK metadata, OpenLLMetry association
// properties, Langfuse).
const KEYS: Record<Exclude<AttributionField, 'service' | 'environment'> | 'taskId', string[]> = {
  agent: [
    ATTR_TOKENWATCH_AGENT,
    ATTR_GEN_AI_AGENT_NAME,
    'agent.name',
    'ai.telemetry.metadata.agent',
    'traceloop.association.properties.agent',
  ],
  userId: [
    ATTR_TOKENWATCH_USER,
    ATTR_USER_ID,
    ATTR_ENDUSER_ID,
    'ai.telemetry.metadata.userId',
    'traceloop.association.properties.user_id',
    'langfuse.user.id',
  ],
  team: [
    ATTR_TOKENWATCH_TEAM,
    'ai.telemetry.metadata.team',
    'traceloop.association.properties.team',
  ],
  feature: [
    ATTR_TOKENWATCH_FEATURE,
    'ai.telemetry.metadata.feature',
    'traceloop.association.properties.feature',
  ],
  sessionId: [
    ATTR_TOKENWATCH_SESSION,
    ATTR_SESSION_ID,
    ATTR_GEN_AI_CONVERSATION_ID,
    'ai.telemetry.metadata.sessionId',
    'traceloop.association.properties.session_id',
    'langfuse.session.id',
  ],
  taskId: [ATTR_TOKENWATCH_TASK_ID],
};

const INHERITED = ['agent', 'userId', 'team', 'feature', 'sessionId', 'taskId'] as const;

/**
 * False for the OpenTelemetry SDK's default service name (`unknown_service`, or
 * `unknown_service:<process>` as the Node SDK spells it), which says nobody named the service.
 */
function isNamedService(name: string): boolean {
  return name !== '' && name !== 'unknown_service' && !name.startsWith('unknown_service:');
}

/**
 * Attribution of a span: its own attributes, then its ancestors' in the same batch (nearest first),
 * then the resource's, then the configured rules; the task id falls back to the trace id. An agent
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
    service: readString(resource, ATTR_SERVICE_NAME) ?? '',
    environment:
      readString(own, ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_DEPLOYMENT_ENVIRONMENT) ??
      readString(resource, ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_DEPLOYMENT_ENVIRONMENT) ??
      '',
    agent: '',
    userId: '',
    team: '',
    feature: '',
    sessionId: '',
    taskId: '',
  };
  for (const field of INHERITED) {
    const keys = KEYS[field];
    let value = readString(own, ...keys);
    for (let i = 0; value === undefined && i < ancestors.length; i++)
      value = readString(ancestors[i]!, ...keys);
    result[field] = value ?? readString(resource, ...keys) ?? '';
  }
  for (const rule of rules) {
    if (result[rule.field] !== '') continue;
    result[rule.field] =
      readString(own, rule.attribute) ?? readString(resource, rule.attribute) ?? '';
  }
  // After the rules: a configured rule naming the agent is more specific than the service.
  if (result.agent === '' && isNamedService(result.service)) result.agent = result.service;
  if (result.taskId === '') result.taskId = traceId;
  return result;
}
