import type { Attributes, DecodedScope } from '../otlp/types.ts';
import { readTokens } from './read-attributes.ts';

/** Token counts as Tokenwatch stores them: kinds never overlap (reasoning is part of output). */
export type Usage = {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** The span reported no usage at all (e.g. streams some emitters leave without it). */
  usageMissing: boolean;
};

// Keys per token kind, most specific convention first.
const INPUT = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
];
const UNCACHED_INPUT = ['ai.usage.inputTokenDetails.noCacheTokens'];
const OUTPUT = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
];
const CACHE_WRITE = [
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];

/** Every attribute that reports usage: a non-call span carrying one is an aggregate. */
export const USAGE_KEYS: readonly string[] = [
  ...INPUT,
  ...UNCACHED_INPUT,
  ...OUTPUT,
  ...CACHE_READ,
  ...CACHE_WRITE,
];

/**
 * Emitters whose input count excludes cache reads and writes although it sits under the inclusive
 * attribute name: OpenLLMetry's Anthropic instrumentation passes Anthropic's raw `input_tokens`
 * through as `gen_ai.usage.input_tokens` (observed); only its scope tells it apart.
 */
function inputExcludesCache(attrs: Attributes, scope: DecodedScope): boolean {
  if (scope.name.includes('traceloop') && scope.name.includes('anthropic')) return true;
  // The pre-1.27 name carried each provider's raw prompt number, and Anthropic's excludes cache.
  return (
    attrs['gen_ai.usage.prompt_tokens'] !== undefined &&
    attrs['gen_ai.usage.input_tokens'] === undefined &&
    /anthropic/i.test(String(attrs['gen_ai.system'] ?? attrs['gen_ai.provider.name'] ?? ''))
  );
}

/**
 * Reads the usage of a call span and splits it into non-overlapping kinds. Throws
 * InvalidTokenCountError when a usage attribute is not a count.
 */
export function readUsage(attrs: Attributes, scope: DecodedScope): Usage {
  const input = readTokens(attrs, INPUT);
  const uncached = readTokens(attrs, UNCACHED_INPUT);
  const output = readTokens(attrs, OUTPUT);
  const cacheRead = readTokens(attrs, CACHE_READ) ?? 0;
  const cacheWrite = readTokens(attrs, CACHE_WRITE) ?? 0;
  const reasoning = readTokens(attrs, REASONING) ?? 0;
  const usageMissing = input === undefined && uncached === undefined && output === undefined;

  let inputTokens: number;
  if (uncached !== undefined) {
    inputTokens = uncached;
  } else if (input === undefined) {
    inputTokens = 0;
  } else if (inputExcludesCache(attrs, scope) || input < cacheRead + cacheWrite) {
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
    outputTokens: reported >= reasoning ? reported : reported + reasoning,
    reasoningTokens: reasoning,
    usageMissing,
  };
}
