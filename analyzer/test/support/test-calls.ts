/**
 * @module
 * Builders of deterministic LLM calls for the analyzer's tests (not used by production code).
 */
import type { LlmCall, LlmCallInput } from '@tokenwatch/schema';
import { LlmCallSchema } from '@tokenwatch/schema';

let sequence = 0;

/** Overrides of {@link makeCall}: `at` is the call's start in epoch milliseconds. */
export type CallSpec = Omit<Partial<LlmCallInput>, 'startTime'> & { at: number };

/**
 * A valid call starting at `at` (tenant `acme`, openai gpt-4o, no tokens, unpriced unless told),
 * with a fresh trace and span id so the store never takes it for a redelivery.
 */
export function makeCall(spec: CallSpec): LlmCall {
  sequence++;
  const { at, ...rest } = spec;
  return LlmCallSchema.parse({
    tenant: 'acme',
    traceId: sequence.toString(16).padStart(32, '0'),
    spanId: sequence.toString(16).padStart(16, '0'),
    provider: 'openai',
    requestModel: 'gpt-4o',
    ...rest,
    startTime: BigInt(Math.round(at * 1000)) * 1000n,
  });
}

/**
 * Calls at `from`, `from + step`, … while before `to`; `spec(i)` gives the attribution and usage
 * of the i-th one.
 */
export function callsEvery(
  from: number,
  to: number,
  stepMs: number,
  spec: (i: number) => Omit<CallSpec, 'at'>,
): LlmCall[] {
  const calls: LlmCall[] = [];
  for (let i = 0, at = from; at < to; i++, at = from + i * stepMs) {
    calls.push(makeCall({ ...spec(i), at }));
  }
  return calls;
}
