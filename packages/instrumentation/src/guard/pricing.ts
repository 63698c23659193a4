/**
 * @module
 * USD of calls for the guard, with the same prices the collector stores.
 */
import { createPricer, Decimal, type Pricer } from '@tokenwatch/pricing';
import type { CallUsage } from '../internal-types.ts';

let pricer: Pricer | undefined;

function shared(): Pricer {
  // Built on first use: processes that never guard a task never load the catalog.
  pricer ??= createPricer();
  return pricer;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** USD of a finished call, or undefined when its model has no price. */
export function priceUsage(
  provider: string,
  requestModel: string,
  responseModel: string,
  usage: CallUsage,
): Decimal | undefined {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const result = shared().price({
    provider,
    requestModel,
    responseModel,
    startTimeNs: nowNs(),
    // The pricer takes kinds that never overlap: input without the cache parts.
    inputTokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: usage.cacheWrite1hTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    reasoningTokens: usage.reasoningTokens ?? 0,
  });
  return result.priced ? Decimal.from(result.totalCost) : undefined;
}

/** USD of an estimate (all input uncached: the worst case), or undefined without a price. */
export function priceEstimate(
  provider: string,
  model: string,
  inputTokens: number,
  outputTokens: number,
): Decimal | undefined {
  return priceUsage(provider, model, model, {
    inputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens,
    reasoningTokens: 0,
  });
}

/** A USD amount as a number, for status and error fields. */
export function usd(value: Decimal): number {
  return Number(value.format());
}
