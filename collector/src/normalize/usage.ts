import type { Attributes, DecodedScope } from '../otlp/types.ts';
import { INPUT_EXCLUDES_CACHE, INPUT_INCLUDES_CACHE, KEYS } from './conventions/index.ts';
import { firstPresent, readToken, readTokens } from './read-attributes.ts';

/** Token counts as Tokenwatch stores them: kinds never overlap (reasoning is part of output). */
export type Usage = {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written to a 1-hour cache. */
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** The span reported no usage at all (e.g. streams some emitters leave without it). */
  usageMissing: boolean;
};

/** Whether an input count read from `KEYS.input[at]` excludes cache reads and writes. */
function inputExcludesCache(attrs: Attributes, scope: DecodedScope, at: number): boolean {
  if (!INPUT_INCLUDES_CACHE[at]) return true;
  for (const quirk of INPUT_EXCLUDES_CACHE) if (quirk(attrs, scope)) return true;
  return false;
}

/**
 * Reads the usage of a call span and splits it into non-overlapping kinds, with the keys of every
 * convention (conventions/index.ts). Throws InvalidTokenCountError when a usage attribute is not
 * a count.
 */
export function readUsage(attrs: Attributes, scope: DecodedScope): Usage {
  const inputAt = firstPresent(attrs, KEYS.input);
  const input = inputAt < 0 ? undefined : readToken(attrs, KEYS.input[inputAt]!);
  const uncached = readTokens(attrs, KEYS.uncachedInput);
  const output = readTokens(attrs, KEYS.output);
  const cacheRead = readTokens(attrs, KEYS.cacheRead) ?? 0;
  const cacheWrite = readTokens(attrs, KEYS.cacheWrite) ?? 0;
  const reasoning = readTokens(attrs, KEYS.reasoning) ?? 0;
  // A part of the writes: a larger count can only come from a bad span, so it is capped there.
  const cacheWrite1h = Math.min(readTokens(attrs, KEYS.cacheWrite1h) ?? 0, cacheWrite);
  const usageMissing = input === undefined && uncached === undefined && output === undefined;

  let inputTokens: number;
  if (uncached !== undefined) {
    inputTokens = uncached;
  } else if (input === undefined) {
    inputTokens = 0;
  } else if (inputExcludesCache(attrs, scope, inputAt) || input < cacheRead + cacheWrite) {
    // An inclusive count can never be below its own cache parts: such a span is exclusive too.
    inputTokens = input;
  } else {
    inputTokens = input - cacheRead - cacheWrite;
  }
  // Output includes reasoning by convention; a smaller output can only mean it was left out.
  const reported = output ?? 0;
  return {
    inputTokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: cacheWrite1h,
    outputTokens: reported >= reasoning ? reported : reported + reasoning,
    reasoningTokens: reasoning,
    usageMissing,
  };
}
