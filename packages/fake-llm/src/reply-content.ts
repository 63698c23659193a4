import type { ScriptedReply, ScriptedToolCall } from './types.ts';
import {
  countReplyChars,
  countTextChars,
  estimateTokens,
  type ResolvedUsage,
  resolveUsage,
} from './usage.ts';

/** What the fake model says when nothing else was scripted. */
export const DEFAULT_TEXT = 'This is a reply from the fake LLM.';

/** The assistant text: scripted, none when only tool calls were scripted, else the default. */
export function replyText(reply: ScriptedReply): string {
  if (reply.text !== undefined) return reply.text;
  return reply.toolCalls && reply.toolCalls.length > 0 ? '' : DEFAULT_TEXT;
}

/** The scripted tool calls, none by default. */
export function replyToolCalls(reply: ScriptedReply): readonly ScriptedToolCall[] {
  return reply.toolCalls ?? [];
}

/** The response model: scripted (e.g. a dated snapshot) or the requested one echoed. */
export function replyModel(reply: ScriptedReply, body: Record<string, unknown>): string {
  return reply.model ?? (typeof body.model === 'string' ? body.model : 'unknown');
}

/** Usage of the reply; unscripted counts are estimated from the given request fields and the reply. */
export function replyUsage(reply: ScriptedReply, requestFields: readonly unknown[]): ResolvedUsage {
  return resolveUsage(reply.usage, {
    input: estimateTokens(countTextChars(requestFields)),
    output: estimateTokens(countReplyChars(replyText(reply), replyToolCalls(reply))),
  });
}

/**
 * Splits text into the pieces streamed as deltas: a word with its trailing space, roughly what a
 * token-by-token stream carries.
 */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text.length > 0 ? [text] : []);
}

/** Splits a tool call's JSON arguments into a few fragments, as streamed argument deltas arrive. */
export function jsonPieces(json: string, size = 16): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}
