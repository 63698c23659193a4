/**
 * `POST /v1/chat/completions`, non-streaming and streaming, shaped like OpenAI's responses.
 *
 * @module
 */
import { SseWriter, sendJson } from './http-io.ts';
import { newId, nowSeconds } from './ids.ts';
import {
  jsonPieces,
  replyModel,
  replyText,
  replyToolCalls,
  replyUsage,
  streamPieces,
} from './reply-content.ts';
import type { Route, RouteContext } from './route.ts';
import { type ResolvedUsage, totalInput } from './usage.ts';

/** Chat Completions usage: `prompt_tokens` includes the cached tokens, as OpenAI reports it. */
export function chatUsage(usage: ResolvedUsage): Record<string, unknown> {
  const prompt = totalInput(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

type ToolCallWire = {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
};

/** Everything one completion is made of, decided once so both delivery modes agree. */
type Completion = {
  id: string;
  created: number;
  model: string;
  text: string;
  toolCalls: ToolCallWire[];
  finishReason: string;
  usage: ResolvedUsage;
  fingerprint: string;
};

function buildCompletion({ body, reply }: RouteContext): Completion {
  const toolCalls = replyToolCalls(reply).map(
    (call): ToolCallWire => ({
      id: call.id ?? newId('call_'),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
    }),
  );
  return {
    id: newId('chatcmpl-', 29),
    created: nowSeconds(),
    model: replyModel(reply, body),
    text: replyText(reply),
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: replyUsage(reply, [body.messages, body.tools]),
    fingerprint: 'fp_fakellm01',
  };
}

function completionBody(completion: Completion): Record<string, unknown> {
  const hasToolCalls = completion.toolCalls.length > 0;
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI sends null content, not '', when the model only calls tools.
          content: completion.text === '' && hasToolCalls ? null : completion.text,
          refusal: null,
          annotations: [],
          ...(hasToolCalls ? { tool_calls: completion.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: completion.finishReason,
      },
    ],
    usage: chatUsage(completion.usage),
    service_tier: 'default',
    system_fingerprint: completion.fingerprint,
  };
}

/**
 * Streams the completion as `chat.completion.chunk`s. With `stream_options.include_usage` every
 * chunk carries `usage: null` and a last chunk with no choices carries the usage, as OpenAI does;
 * without it no chunk has a usage key at all.
 */
async function streamCompletion(ctx: RouteContext, completion: Completion): Promise<void> {
  const options = ctx.body.stream_options as { include_usage?: unknown } | null | undefined;
  const includeUsage = options?.include_usage === true;
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    service_tier: 'default',
    system_fingerprint: completion.fingerprint,
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });

  const deltas: Record<string, unknown>[] = [
    {
      role: 'assistant',
      content: completion.text === '' && completion.toolCalls.length > 0 ? null : '',
      refusal: null,
    },
  ];
  for (const piece of streamPieces(completion.text)) deltas.push({ content: piece });
  completion.toolCalls.forEach((call, index) => {
    deltas.push({
      tool_calls: [
        {
          index,
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: '' },
        },
      ],
    });
    for (const piece of jsonPieces(call.function.arguments))
      deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });

  const sse = new SseWriter(ctx.res, ctx.signal, ctx.reply.chunkDelayMs ?? 0);
  sse.open(ctx.headers);
  for (const delta of deltas) if (!(await sse.send(undefined, chunk(delta)))) return;
  if (!(await sse.send(undefined, chunk({}, completion.finishReason)))) return;
  if (includeUsage) {
    const last = { ...base, choices: [], usage: chatUsage(completion.usage) };
    if (!(await sse.send(undefined, last))) return;
  }
  await sse.done();
  sse.end();
}

/** The Chat Completions endpoint. */
export const chatCompletionsRoute: Route = {
  method: 'POST',
  path: '/v1/chat/completions',
  provider: 'openai',
  billed: true,
  required: { model: 'string', messages: 'array' },
  async handle(ctx) {
    const completion = buildCompletion(ctx);
    ctx.bill(completion.model, completion.usage, 'default');
    if (ctx.body.stream === true) await streamCompletion(ctx, completion);
    else sendJson(ctx.res, 200, completionBody(completion), ctx.headers);
  },
};
