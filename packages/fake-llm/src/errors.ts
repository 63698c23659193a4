import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendJson } from './http-io.ts';
import { newId } from './ids.ts';
import type { ScriptedError } from './types.ts';

/** Which API family a route imitates; decides error bodies and request-id headers. */
export type Provider = 'openai' | 'anthropic';

type ErrorDefaults = { type: string; code: string | null; message: string };

/** What OpenAI typically sends for these statuses; others fall back by class (4xx or 5xx). */
const OPENAI_DEFAULTS: Readonly<Record<number, ErrorDefaults>> = {
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided.',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests.',
  },
};

function openAiDefaults(status: number): ErrorDefaults {
  const known = OPENAI_DEFAULTS[status];
  if (known) return known;
  return status >= 500
    ? {
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request. Sorry about that!',
      }
    : { type: 'invalid_request_error', code: null, message: 'Invalid request.' };
}

/** Anthropic's documented error types by status, with messages in its style. */
const ANTHROPIC_DEFAULTS: Readonly<Record<number, [type: string, message: string]>> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Billing error.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'This request would exceed your rate limit.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out.'],
  529: ['overloaded_error', 'Overloaded'],
};

function anthropicDefaults(status: number): ErrorDefaults {
  const [type, message] =
    ANTHROPIC_DEFAULTS[status] ??
    (status >= 500
      ? ['api_error', 'Internal server error']
      : ['invalid_request_error', 'Invalid request.']);
  return { type, code: null, message };
}

/** The request-id header; the SDKs surface it as `_request_id` on results and `requestID` on errors. */
export function requestIdHeader(provider: Provider, requestId: string): OutgoingHttpHeaders {
  return provider === 'openai' ? { 'x-request-id': requestId } : { 'request-id': requestId };
}

/** A request id in the provider's format. */
export function newRequestId(provider: Provider): string {
  return provider === 'openai' ? newId('req_', 32) : newId('req_011C', 20);
}

/**
 * The provider's error body: OpenAI `{ error: { message, type, param, code } }`, Anthropic
 * `{ type: 'error', error: { type, message }, request_id }`.
 */
export function errorBody(
  provider: Provider,
  error: ScriptedError,
  requestId: string,
  param: string | null = null,
): Record<string, unknown> {
  if (provider === 'openai') {
    const defaults = openAiDefaults(error.status);
    return {
      error: {
        message: error.message ?? defaults.message,
        type: error.type ?? defaults.type,
        param,
        code: error.code === undefined ? defaults.code : error.code,
      },
    };
  }
  const defaults = anthropicDefaults(error.status);
  return {
    type: 'error',
    error: { type: error.type ?? defaults.type, message: error.message ?? defaults.message },
    request_id: requestId,
  };
}

/** Sends a provider-shaped error, with `retry-after` on 429 as both APIs do. */
export function sendError(
  res: ServerResponse,
  provider: Provider,
  error: ScriptedError,
  requestId: string,
  options: { param?: string | null; headers?: Record<string, string> } = {},
): void {
  const retryAfter = error.retryAfter ?? (error.status === 429 ? 1 : undefined);
  sendJson(res, error.status, errorBody(provider, error, requestId, options.param ?? null), {
    ...requestIdHeader(provider, requestId),
    ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    ...options.headers,
  });
}
