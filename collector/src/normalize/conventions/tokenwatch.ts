import {
  ATTR_TOKENWATCH_AGENT,
  ATTR_TOKENWATCH_FEATURE,
  ATTR_TOKENWATCH_PREFIX_HASH,
  ATTR_TOKENWATCH_PROJECT,
  ATTR_TOKENWATCH_REQUEST_HASH,
  ATTR_TOKENWATCH_SESSION,
  ATTR_TOKENWATCH_TASK_ID,
  ATTR_TOKENWATCH_TASK_NAME,
  ATTR_TOKENWATCH_TASK_OUTCOME,
  ATTR_TOKENWATCH_TEAM,
  ATTR_TOKENWATCH_USER,
} from '@tokenwatch/schema/semconv';
import type { Convention } from './types.ts';

/**
 * Tokenwatch's own `tokenwatch.*` attributes, written by `@tokenwatch/instrumentation` or set by
 * hand next to any other convention. First in the list: they are explicit overrides. Its call
 * spans follow the OTel GenAI convention; only tasks, attribution and hashes are its own.
 */
export const tokenwatch: Convention = {
  name: 'tokenwatch',
  emitters: ['@tokenwatch/instrumentation'],
  // The span that represents a task says so with its outcome (success, failure, ...).
  taskOutcome: ATTR_TOKENWATCH_TASK_OUTCOME,
  taskName: [ATTR_TOKENWATCH_TASK_NAME],
  prefixHash: [ATTR_TOKENWATCH_PREFIX_HASH],
  requestHash: [ATTR_TOKENWATCH_REQUEST_HASH],
  attribution: {
    agent: [ATTR_TOKENWATCH_AGENT],
    userId: [ATTR_TOKENWATCH_USER],
    team: [ATTR_TOKENWATCH_TEAM],
    feature: [ATTR_TOKENWATCH_FEATURE],
    project: [ATTR_TOKENWATCH_PROJECT],
    sessionId: [ATTR_TOKENWATCH_SESSION],
    taskId: [ATTR_TOKENWATCH_TASK_ID],
  },
};
