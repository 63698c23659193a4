import type { ScopeField } from '@tokenwatch/config';
import {
  DIMENSION_BY_NAME,
  dimensionsWith,
  dimensionValue,
  type LlmCall,
} from '@tokenwatch/schema';

/** Attribution of a call (or of a budget check) by scope field; a missing field means `''`. */
export type Attribution = Partial<Record<ScopeField, string>>;

/**
 * Column of each scope field (the dimension table's scopable rows), identical in `llm_calls`
 * (where `model` is an ALIAS column) and in the `llm_usage_1m` rollup. These identifiers are the
 * only scope-dependent SQL text ever interpolated; values always go through bound parameters.
 */
export const SCOPE_COLUMNS = Object.fromEntries(
  dimensionsWith('scopable').map((d) => [d.name, d.column]),
) as Readonly<Record<ScopeField, string>>;

/** The value a call carries for a scope field (`model` is the response model, else the request's). */
export function callScopeValue(call: LlmCall, field: ScopeField): string {
  return dimensionValue(call, DIMENSION_BY_NAME[field]);
}

/** SQL sum of every token kind of a row; reasoning tokens are already part of output tokens. */
export const TOKENS_SQL = '(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens)';

/** Tokens of a call counted the way {@link TOKENS_SQL} counts them. */
export function callTokens(call: LlmCall): number {
  return call.inputTokens + call.cacheReadTokens + call.cacheWriteTokens + call.outputTokens;
}
