/**
 * `POST /v1/messages/count_tokens`: the input size of a Messages request, which is not billed.
 *
 * @module
 */
import { anthropicPromptFields } from './anthropic-messages.ts';
import { sendJson } from './http-io.ts';
import type { Route } from './route.ts';
import { countTextChars, estimateTokens, resolveUsage, totalInput } from './usage.ts';

/**
 * The token counting endpoint. It reports the same input estimate the Messages endpoint would
 * bill for the same request; a reply scripted for this path sets it through its input counts.
 */
export const countTokensRoute: Route = {
  method: 'POST',
  path: '/v1/messages/count_tokens',
  provider: 'anthropic',
  billed: false,
  required: { model: 'string', messages: 'array' },
  handle({ body, reply, res, headers }) {
    const estimate = estimateTokens(countTextChars(anthropicPromptFields(body)));
    const usage = resolveUsage(reply.usage, { input: estimate, output: 0 });
    sendJson(res, 200, { input_tokens: totalInput(usage) }, headers);
  },
};
