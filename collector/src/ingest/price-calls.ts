import { getContextWindow, type Pricer } from '@tokenwatch/pricing';
import type { LlmCall } from '@tokenwatch/schema';
import type { NormalizedCall } from '../normalize/normalize-batch.ts';

/** The per-call cost column holds less than this (Decimal(18, 12)); more is a bad span, not a bill. */
const MAX_CALL_COST_USD = 1_000_000;

/** A priced call, or why it cannot be stored. */
export type PricedCall = { call: LlmCall; unpriced: boolean } | { rejected: string };

/**
 * Prices a normalized call, turning it into the stored call (the object is reused: do not use
 * `normalized` afterwards). A call whose usage is missing is stored unpriced (NULL costs) and not
 * counted as "unpriced": its model may be known, its tokens are not.
 */
export function priceCall(normalized: NormalizedCall, pricer: Pricer): PricedCall {
  const result = normalized.usageMissing
    ? undefined
    : pricer.price({
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
        reportedCostUsd: normalized.reportedCostUsd,
      });
  const priced = result?.priced ? result : undefined;
  if (priced && Number(priced.totalCost) >= MAX_CALL_COST_USD) {
    return { rejected: `cost of ${priced.totalCost} USD for one call is out of range` };
  }
  // The normalized call becomes the stored one in place (the caller hands it over) rather than
  // through a chain of object spreads: this runs for every call the collector stores.
  // `reportedCostUsd` is cleared, not deleted: deleting a property slows every later access.
  const call = normalized as unknown as LlmCall & { reportedCostUsd?: string };
  call.reportedCostUsd = undefined;
  call.contextWindow =
    getContextWindow({
      provider: normalized.provider,
      responseModel: normalized.responseModel,
      requestModel: normalized.requestModel,
    }) ?? 0;
  call.attributes = {};
  call.inputCost = priced?.inputCost ?? null;
  call.cacheReadCost = priced?.cacheReadCost ?? null;
  call.cacheWriteCost = priced?.cacheWriteCost ?? null;
  call.outputCost = priced?.outputCost ?? null;
  call.totalCost = priced?.totalCost ?? null;
  call.priceSource = priced?.priceSource ?? '';
  call.priceVersion = priced?.priceVersion ?? '';
  // A call whose usage is missing is not "unpriced": its model may be known, its tokens are not.
  return { call, unpriced: !normalized.usageMissing && priced === undefined };
}
