import type { ScriptedToolCall, TokenUsage } from './types.ts';

/** Every count of {@link TokenUsage}, defaults applied. */
export type ResolvedUsage = Required<TokenUsage>;

/** Keys whose string values are protocol tags (`"role": "user"`), not text the model reads. */
const TAG_KEYS = new Set(['role', 'type']);

/** The rough rule of thumb (a token is about four characters), never less than one token. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

/**
 * Counts the characters of text in request fields: every string value at any depth, except
 * `role` and `type` tags. Walks with an explicit stack because a request body is untrusted and
 * may nest deeper than the call stack allows.
 */
export function countTextChars(values: readonly unknown[]): number {
  let chars = 0;
  const stack: unknown[] = Array.from(values);
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') chars += value.length;
    // A loop, not push(...value): spreading a huge array would overflow the argument limit.
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (!(TAG_KEYS.has(key) && typeof child === 'string')) stack.push(child);
      }
    }
  }
  return chars;
}

/** Characters the model "wrote": the text plus each tool call's name and JSON arguments. */
export function countReplyChars(text: string, toolCalls: readonly ScriptedToolCall[]): number {
  let chars = text.length;
  for (const call of toolCalls)
    chars += call.name.length + JSON.stringify(call.arguments ?? {}).length;
  return chars;
}

/**
 * Fills the unscripted counts: uncached input and output from the estimates, the rest zero.
 * An estimated output adds the scripted reasoning to the visible reply, since R is part of O.
 */
export function resolveUsage(
  scripted: TokenUsage | undefined,
  estimate: { input: number; output: number },
): ResolvedUsage {
  const reasoning = scripted?.reasoning ?? 0;
  return {
    uncachedInput: scripted?.uncachedInput ?? estimate.input,
    cacheRead: scripted?.cacheRead ?? 0,
    cacheWrite: scripted?.cacheWrite ?? 0,
    cacheWrite1h: scripted?.cacheWrite1h ?? 0,
    output: scripted?.output ?? estimate.output + reasoning,
    reasoning,
  };
}

/** U + C + W: every input token, the number OpenAI reports as prompt/input tokens. */
export function totalInput(usage: ResolvedUsage): number {
  return usage.uncachedInput + usage.cacheRead + usage.cacheWrite;
}
