/**
 * `GET /v1/models`: a fixed OpenAI model list, so clients that probe the models work.
 *
 * @module
 */
import { sendJson } from './http-io.ts';
import type { Route } from './route.ts';

/** Models the list advertises; any model name is accepted by the other endpoints regardless. */
export const LISTED_MODELS: readonly { id: string; created: number; owned_by: string }[] = [
  { id: 'gpt-4o', created: 1715367049, owned_by: 'system' },
  { id: 'gpt-4o-mini', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4.1', created: 1744316542, owned_by: 'system' },
  { id: 'gpt-4.1-mini', created: 1744318173, owned_by: 'system' },
  { id: 'o4-mini', created: 1744225351, owned_by: 'system' },
  { id: 'text-embedding-3-small', created: 1705948997, owned_by: 'system' },
  { id: 'text-embedding-3-large', created: 1705953180, owned_by: 'system' },
];

/** The model list endpoint (OpenAI's shape). */
export const modelsRoute: Route = {
  method: 'GET',
  path: '/v1/models',
  provider: 'openai',
  billed: false,
  handle({ res, headers }) {
    const data = LISTED_MODELS.map((model) => ({ object: 'model', ...model }));
    sendJson(res, 200, { object: 'list', data }, headers);
  },
};
