import { getContextWindow, type Pricer } from '@tokenwatch/pricing';
import type { LlmCall } from '@tokenwatch/schema';
import type { NormalizedCall } from '../normalize/normalize-batch.ts';

/** The per-call cost column holds less than this (Decimal(18, 12)); more is a bad span, not a bill. */
const MAX_CALL_COST_USD = 1_000_000;

/** A priced call, or why it cannot be stored. */
export type PricedCall = { call: LlmCall; unpriced: boolean } | { rejected: string };

/**
 * Prices a normalized call. A call whose usage is missing is stored unpriced (NULL costs) and not
 * counted as "unpriced": its model may be known, its tokens are not.
 */
export function priceCall(normalized: NormalizedCall, pricer: Pricer): PricedCall {
  const { reportedCostUsd, ...rest } = normalized;
  const base = {
    ...rest,
    contextWindow:
      getContextWindow({
        provider: normalized.provider,
        responseModel: normalized.responseModel,
        requestModel: normalized.requestModel,
      }) ?? 0,
    attributes: {},
  };
  const unknown = {
    inputCost: null,
    cacheReadCost: null,
    cacheWriteCost: null,
    outputCost: null,
    totalCost: null,
    priceSource: '',
    priceVersion: '',
  };
  if (normalized.usageMissing) return { call: { ...base, ...unknown }, unpriced: false };
  const result = pricer.price({
    provider: normalized.provider,
    requestModel: normalized.requestModel,
    responseModel: normalized.responseModel,
    startTimeNs: normalized.startTime,
    inputTokens: normalized.inputTokens,
    cacheReadTokens: normalized.cacheReadTokens,
    cacheWriteTokens: normalized.cacheWriteTokens,
    cacheWrite1hTokens: normalized.cacheWrite1hTokens,
    outputTokens: normalized.outputTokens,
    reasoningTokens: normalized.reasoningTokens,
    reportedCostUsd,
  });
  if (!result.priced) return { call: { ...base, ...unknown }, unpriced: true };
  if (Number(result.totalCost) >= MAX_CALL_COST_USD) {
    return { rejected: `cost of ${result.totalCost} USD for one call is out of range` };
  }
  const call: LlmCall = {
    ...base,
    inputCost: result.inputCost,
    cacheReadCost: result.cacheReadCost,
    cacheWriteCost: result.cacheWriteCost,
    outputCost: result.outputCost,
    totalCost: result.totalCost,
    priceSource: result.priceSource,
    priceVersion: result.priceVersion,
  };
  return { call, unpriced: false };
}
