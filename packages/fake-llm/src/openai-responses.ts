/**
 * `POST /v1/responses`, the OpenAI Responses API, non-streaming and as its typed event stream.
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

/** Responses API usage: `input_tokens` includes the cached tokens, as OpenAI reports it. */
export function responsesUsage(usage: ResolvedUsage): Record<string, unknown> {
  const input = totalInput(usage);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + usage.output,
  };
}

type OutputItem =
  | { type: 'reasoning'; id: string; summary: [] }
  | { type: 'message'; id: string; status: string; role: 'assistant'; content: OutputText[] }
  | {
      type: 'function_call';
      id: string;
      status: string;
      arguments: string;
      call_id: string;
      name: string;
    };

type OutputText = { type: 'output_text'; annotations: []; logprobs: []; text: string };

/** The finished response, decided once so the stream's events add up to the same object. */
type Plan = {
  id: string;
  createdAt: number;
  model: string;
  output: OutputItem[];
  incomplete: boolean;
  usage: ResolvedUsage;
};

const INCOMPLETE_REASONS = new Set(['length', 'max_tokens', 'max_output_tokens']);

function buildPlan({ body, reply }: RouteContext): Plan {
  const usage = replyUsage(reply, [body.input, body.instructions, body.tools]);
  const incomplete = reply.finishReason !== undefined && INCOMPLETE_REASONS.has(reply.finishReason);
  const itemStatus = incomplete ? 'incomplete' : 'completed';
  const text = replyText(reply);
  const toolCalls = replyToolCalls(reply);
  const output: OutputItem[] = [];
  // Reasoning models put a reasoning item first; its summary stays empty unless requested.
  if (usage.reasoning > 0) output.push({ type: 'reasoning', id: newId('rs_', 40), summary: [] });
  if (text !== '' || toolCalls.length === 0) {
    output.push({
      type: 'message',
      id: newId('msg_', 40),
      status: itemStatus,
      role: 'assistant',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
    });
  }
  for (const call of toolCalls) {
    output.push({
      type: 'function_call',
      id: newId('fc_', 40),
      status: itemStatus,
      arguments: JSON.stringify(call.arguments ?? {}),
      call_id: call.id ?? newId('call_'),
      name: call.name,
    });
  }
  return {
    id: newId('resp_', 40),
    createdAt: nowSeconds(),
    model: replyModel(reply, body),
    output,
    incomplete,
    usage,
  };
}

/**
 * The Response object. `final` false gives the in-progress snapshot that opens a stream: no
 * output and `usage: null`. Request settings are echoed back, as the real API does.
 */
function responseObject(
  plan: Plan,
  body: Record<string, unknown>,
  final: boolean,
): Record<string, unknown> {
  const reasoning = body.reasoning as { effort?: unknown } | null | undefined;
  const status = !final ? 'in_progress' : plan.incomplete ? 'incomplete' : 'completed';
  return {
    id: plan.id,
    object: 'response',
    created_at: plan.createdAt,
    status,
    background: false,
    completed_at: status === 'completed' ? nowSeconds() : null,
    error: null,
    incomplete_details: final && plan.incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: plan.model,
    output: final ? plan.output : [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort: reasoning?.effort ?? null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: final ? responsesUsage(plan.usage) : null,
    metadata: body.metadata ?? {},
  };
}

/** The events that add one output item: added, its deltas and dones, in the API's order. */
function itemEvents(item: OutputItem, outputIndex: number): Record<string, unknown>[] {
  const at = { item_id: item.id, output_index: outputIndex };
  if (item.type === 'reasoning') {
    return [
      { type: 'response.output_item.added', output_index: outputIndex, item },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    ];
  }
  if (item.type === 'function_call') {
    return [
      {
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      },
      ...jsonPieces(item.arguments).map((delta) => ({
        type: 'response.function_call_arguments.delta',
        ...at,
        delta,
      })),
      {
        type: 'response.function_call_arguments.done',
        ...at,
        name: item.name,
        arguments: item.arguments,
      },
      { type: 'response.output_item.done', output_index: outputIndex, item },
    ];
  }
  const events: Record<string, unknown>[] = [
    {
      type: 'response.output_item.added',
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    },
  ];
  item.content.forEach((part, contentIndex) => {
    const partAt = { ...at, content_index: contentIndex };
    events.push({ type: 'response.content_part.added', ...partAt, part: { ...part, text: '' } });
    for (const delta of streamPieces(part.text))
      events.push({ type: 'response.output_text.delta', ...partAt, delta, logprobs: [] });
    events.push({ type: 'response.output_text.done', ...partAt, text: part.text, logprobs: [] });
    events.push({ type: 'response.content_part.done', ...partAt, part });
  });
  events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  return events;
}

/** Streams `response.created` … `response.completed`, each event numbered by `sequence_number`. */
async function streamResponse(ctx: RouteContext, plan: Plan): Promise<void> {
  const opening = responseObject(plan, ctx.body, false);
  const final = responseObject(plan, ctx.body, true);
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: opening },
    { type: 'response.in_progress', response: opening },
    ...plan.output.flatMap((item, index) => itemEvents(item, index)),
    { type: plan.incomplete ? 'response.incomplete' : 'response.completed', response: final },
  ];
  const sse = new SseWriter(ctx.res, ctx.signal, ctx.reply.chunkDelayMs ?? 0);
  sse.open(ctx.headers);
  for (const [sequence, event] of events.entries()) {
    const type = event.type as string;
    if (!(await sse.send(type, { ...event, sequence_number: sequence }))) return;
  }
  sse.end();
}

/** The Responses API endpoint. */
export const responsesRoute: Route = {
  method: 'POST',
  path: '/v1/responses',
  provider: 'openai',
  billed: true,
  required: { model: 'string' },
  async handle(ctx) {
    const plan = buildPlan(ctx);
    ctx.bill(plan.model, plan.usage, 'default');
    if (ctx.body.stream === true) await streamResponse(ctx, plan);
    else sendJson(ctx.res, 200, responseObject(plan, ctx.body, true), ctx.headers);
  },
};
