/**
 * @module
 * The attributes of a call span: what is known when it starts (for samplers too), and what the
 * response adds.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_ANTHROPIC_USAGE_CACHE_WRITE_1H_INPUT_TOKENS,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_TOKENWATCH_PREFIX_HASH,
  ATTR_TOKENWATCH_REQUEST_HASH,
} from '@tokenwatch/schema/semconv';
import {
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './attributes.ts';
import type { CallOutcome, ProviderName, RequestInfo } from './internal-types.ts';
import { isRecord } from './json.ts';

const serverCache = new WeakMap<object, Attributes>();

/** `server.address` / `server.port` of the resource's client, from its base URL. */
export function serverAttributes(resource: unknown): Attributes {
  const client = isRecord(resource) ? resource._client : undefined;
  if (!isRecord(client)) return {};
  const cached = serverCache.get(client);
  if (cached) return cached;
  let attributes: Attributes = {};
  if (typeof client.baseURL === 'string') {
    try {
      const url = new URL(client.baseURL);
      const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
      attributes = { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: port };
    } catch {
      // An unparsable base URL fails the SDK's own request; nothing to record here.
    }
  }
  serverCache.set(client, attributes);
  return attributes;
}

/** What a call span starts with. */
export function startAttributes(
  call: {
    operation: string;
    provider: ProviderName;
    attribution: Attributes | undefined;
    server: Attributes;
    /** `tokenwatch.request_hash` of the body sent; left out when it could not be computed. */
    requestHash?: string | undefined;
  },
  info: RequestInfo,
): Attributes {
  return {
    // Attribution at start too: correct without the span processor, and visible to samplers.
    ...call.attribution,
    [ATTR_GEN_AI_OPERATION_NAME]: call.operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: info.model,
    ...info.attributes,
    ...call.server,
    ...(info.prefixHash === undefined ? {} : { [ATTR_TOKENWATCH_PREFIX_HASH]: info.prefixHash }),
    ...(call.requestHash === undefined ? {} : { [ATTR_TOKENWATCH_REQUEST_HASH]: call.requestHash }),
  };
}

/** What the response (or the whole stream) adds to a call span. */
export function setOutcomeAttributes(
  span: Span,
  outcome: CallOutcome,
  captureContent: boolean,
): void {
  if (outcome.responseModel) span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, outcome.responseModel);
  if (outcome.responseId) span.setAttribute(ATTR_GEN_AI_RESPONSE_ID, outcome.responseId);
  if (outcome.finishReasons && outcome.finishReasons.length > 0) {
    span.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, outcome.finishReasons);
  }
  const usage = outcome.usage;
  if (usage) {
    span.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
    if (usage.outputTokens !== undefined) {
      span.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
    }
    if (usage.cacheReadTokens !== undefined) {
      span.setAttribute(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadTokens);
    }
    if (usage.cacheWriteTokens !== undefined) {
      span.setAttribute(ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, usage.cacheWriteTokens);
    }
    if (usage.cacheWrite1hTokens !== undefined) {
      span.setAttribute(ATTR_ANTHROPIC_USAGE_CACHE_WRITE_1H_INPUT_TOKENS, usage.cacheWrite1hTokens);
    }
    if (usage.reasoningTokens !== undefined) {
      span.setAttribute(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens);
    }
  }
  if (captureContent && outcome.outputText !== undefined) {
    span.setAttribute(
      ATTR_GEN_AI_OUTPUT_MESSAGES,
      JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: outcome.outputText }] },
      ]),
    );
  }
}
