/**
 * `POST /v1/messages`, the Anthropic Messages API, non-streaming and as its SSE event stream.
 *
 * @module
 */
import { SseWriter, sendJson } from './http-io.ts';
import { newId } from './ids.ts';
import {
  jsonPieces,
  replyModel,
  replyText,
  replyToolCalls,
  replyUsage,
  streamPieces,
} from './reply-content.ts';
import type { Route, RouteContext } from './route.ts';
import type { ResolvedUsage } from './usage.ts';

/** The request fields the model reads, for the input estimate (shared with count_tokens). */
export function anthropicPromptFields(body: Record<string, unknown>): unknown[] {
  return [body.system, body.messages, body.tools];
}

/** The input counts as Anthropic reports them: `input_tokens` excludes cache reads and writes. */
function inputCounts(usage: ResolvedUsage) {
  return {
    input_tokens: usage.uncachedInput,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
  };
}

function outputDetails(usage: ResolvedUsage) {
  return usage.reasoning > 0 ? { thinking_tokens: usage.reasoning } : null;
}

/**
 * Message usage. `atStart` gives the usage of the stream's `message_start`, whose output count is
 * a placeholder (the live API reports a token or so there; `message_delta` has the total).
 */
export function anthropicUsage(usage: ResolvedUsage, atStart = false): Record<string, unknown> {
  return {
    ...inputCounts(usage),
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite - usage.cacheWrite1h,
      ephemeral_1h_input_tokens: usage.cacheWrite1h,
    },
    output_tokens: atStart ? 1 : usage.output,
    output_tokens_details: atStart ? null : outputDetails(usage),
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    speed: null,
  };
}

type ContentBlock =
  | { type: 'text'; text: string }
  | {
      type: 'tool_use';
      id: string;
      name: string;
      input: Record<string, unknown>;
      caller: { type: 'direct' };
    };

/** The finished message, decided once so the stream's events add up to the same object. */
type Plan = {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: string;
  usage: ResolvedUsage;
};

function buildPlan({ body, reply }: RouteContext): Plan {
  const text = replyText(reply);
  const toolCalls = replyToolCalls(reply);
  const content: ContentBlock[] = [];
  // No `citations` key: uncited text comes without one, and @ai-sdk/anthropic refuses a null.
  if (text !== '' || toolCalls.length === 0) content.push({ type: 'text', text });
  for (const call of toolCalls) {
    content.push({
      type: 'tool_use',
      id: call.id ?? newId('toolu_01', 22),
      name: call.name,
      input: call.arguments ?? {},
      caller: { type: 'direct' },
    });
  }
  return {
    id: newId('msg_01', 22),
    model: replyModel(reply, body),
    content,
    stopReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn'),
    usage: replyUsage(reply, anthropicPromptFields(body)),
  };
}

/** The Message object; the stream's `message_start` carries it empty and unfinished. */
function messageObject(plan: Plan, final: boolean): Record<string, unknown> {
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: final ? plan.content : [],
    stop_reason: final ? plan.stopReason : null,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: anthropicUsage(plan.usage, !final),
  };
}

/** The start, deltas and stop of one content block. */
function blockEvents(block: ContentBlock, index: number): [string, Record<string, unknown>][] {
  const delta = (payload: Record<string, unknown>): [string, Record<string, unknown>] => [
    'content_block_delta',
    { type: 'content_block_delta', index, delta: payload },
  ];
  const start: Record<string, unknown> =
    block.type === 'text' ? { ...block, text: '' } : { ...block, input: {} };
  const deltas =
    block.type === 'text'
      ? streamPieces(block.text).map((text) => delta({ type: 'text_delta', text }))
      : jsonPieces(JSON.stringify(block.input)).map((partial_json) =>
          delta({ type: 'input_json_delta', partial_json }),
        );
  return [
    ['content_block_start', { type: 'content_block_start', index, content_block: start }],
    ...deltas,
    ['content_block_stop', { type: 'content_block_stop', index }],
  ];
}

/**
 * Streams message_start, the content blocks (with a ping after the first block starts, as the
 * live API does), message_delta and message_stop. message_delta repeats the input and cache counts
 * next to the final output_tokens, like the live API.
 */
async function streamMessage(ctx: RouteContext, plan: Plan): Promise<void> {
  const blocks = plan.content.flatMap((block, index) => blockEvents(block, index));
  const events: [string, Record<string, unknown>][] = [
    ['message_start', { type: 'message_start', message: messageObject(plan, false) }],
    ...blocks.slice(0, 1),
    ['ping', { type: 'ping' }],
    ...blocks.slice(1),
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: plan.stopReason, stop_sequence: null, stop_details: null },
        usage: {
          ...inputCounts(plan.usage),
          output_tokens: plan.usage.output,
          output_tokens_details: outputDetails(plan.usage),
          server_tool_use: null,
        },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ];
  const sse = new SseWriter(ctx.res, ctx.signal, ctx.reply.chunkDelayMs ?? 0);
  sse.open(ctx.headers);
  for (const [name, data] of events) if (!(await sse.send(name, data))) return;
  sse.end();
}

/** The Messages endpoint. */
export const messagesRoute: Route = {
  method: 'POST',
  path: '/v1/messages',
  provider: 'anthropic',
  billed: true,
  required: { model: 'string', max_tokens: 'number', messages: 'array' },
  async handle(ctx) {
    const plan = buildPlan(ctx);
    ctx.bill(plan.model, plan.usage, 'standard');
    if (ctx.body.stream === true) await streamMessage(ctx, plan);
    else sendJson(ctx.res, 200, messageObject(plan, true), ctx.headers);
  },
};
