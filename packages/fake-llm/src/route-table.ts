import type { IncomingHttpHeaders } from 'node:http';
import { anthropicCostRoute, anthropicUsageRoute } from './admin-anthropic.ts';
import { openaiCostsRoute, openaiUsageRoute } from './admin-openai.ts';
import { countTokensRoute } from './anthropic-count-tokens.ts';
import { messagesRoute } from './anthropic-messages.ts';
import type { Provider } from './errors.ts';
import { chatCompletionsRoute } from './openai-chat.ts';
import { embeddingsRoute } from './openai-embeddings.ts';
import { modelsRoute } from './openai-models.ts';
import { responsesRoute } from './openai-responses.ts';
import type { Route } from './route.ts';

/** Every endpoint the fake serves. */
export const ROUTES: readonly Route[] = [
  chatCompletionsRoute,
  responsesRoute,
  embeddingsRoute,
  modelsRoute,
  messagesRoute,
  countTokensRoute,
  openaiUsageRoute,
  openaiCostsRoute,
  anthropicUsageRoute,
  anthropicCostRoute,
];

/** An endpoint the fake serves, as a help text lists it. */
export type Endpoint = { method: 'GET' | 'POST'; path: string; provider: Provider };

/** Every endpoint the fake serves, in table order. */
export function listEndpoints(): Endpoint[] {
  return ROUTES.map(({ method, path, provider }) => ({ method, path, provider }));
}

/** The route serving this method and path (query string already removed), if any. */
export function findRoute(method: string, path: string): Route | undefined {
  return ROUTES.find((route) => route.method === method && route.path === path);
}

/**
 * The API family of a request no route knows, so even its 404 has the right shape: the Anthropic
 * SDK always sends `anthropic-version`, and both APIs share the `/v1` prefix.
 */
export function guessProvider(path: string, headers: IncomingHttpHeaders): Provider {
  return path.startsWith('/v1/messages') ||
    path.startsWith('/v1/organizations/') ||
    headers['anthropic-version'] !== undefined
    ? 'anthropic'
    : 'openai';
}
