import { z } from 'zod';
import { type AttributionField, dimensionsWith } from './dimensions.ts';

/** Decimal USD amount kept as a string so no float rounding ever touches money. */
export const DecimalStringSchema = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number as a string, e.g. "0.000125"');

/** Lower-case hex id as OTLP defines them (16 bytes for traces, 8 for spans). */
const hexId = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes * 2} lower-case hex digits`);

const tokenCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

// One string per attributable dimension of the table, empty when nothing attributed it.
const attributionFields = Object.fromEntries(
  dimensionsWith('attributable').map((d) => [d.field, z.string().default('')]),
) as { [F in AttributionField]: z.ZodDefault<z.ZodString> };

/**
 * Attribution shared by LLM calls and tasks: who and what a cost belongs to. The tenant, and one
 * field per attributable dimension of `DIMENSION_TABLE` (service, agent, team, project, …).
 */
export const AttributionSchema = z.object({
  tenant: z.string().min(1).default('default'),
  ...attributionFields,
});

/** One billable LLM call, normalized: token kinds never overlap (see the llm_calls migration). */
export const LlmCallSchema = AttributionSchema.extend({
  startTime: z.bigint().nonnegative().describe('span start, nanoseconds since the Unix epoch'),
  durationNs: z.bigint().nonnegative().default(0n),
  traceId: hexId(16),
  spanId: hexId(8),
  parentSpanId: z.union([hexId(8), z.literal('')]).default(''),
  taskId: z.string().default(''),
  provider: z.string().default(''),
  operation: z.string().default(''),
  requestModel: z.string().default(''),
  responseModel: z.string().default(''),
  inputTokens: tokenCount.default(0),
  cacheReadTokens: tokenCount.default(0),
  cacheWriteTokens: tokenCount.default(0),
  /** The part of cacheWriteTokens written to a 1-hour cache (Anthropic), priced apart. */
  cacheWrite1hTokens: tokenCount.default(0),
  outputTokens: tokenCount.default(0),
  reasoningTokens: tokenCount.default(0),
  usageMissing: z.boolean().default(false),
  /**
   * The emitter is known never to report cache tokens: any cache reads are inside inputTokens,
   * priced as uncached input, and the call's zero cache figures mean "not reported".
   */
  cacheUnreported: z.boolean().default(false),
  inputCost: DecimalStringSchema.nullable().default(null),
  cacheReadCost: DecimalStringSchema.nullable().default(null),
  cacheWriteCost: DecimalStringSchema.nullable().default(null),
  outputCost: DecimalStringSchema.nullable().default(null),
  totalCost: DecimalStringSchema.nullable().default(null),
  priceSource: z.string().default(''),
  priceVersion: z.string().default(''),
  status: z.enum(['ok', 'error']).default('ok'),
  errorType: z.string().default(''),
  finishReason: z.string().default(''),
  contextWindow: z.number().int().nonnegative().default(0),
  prefixHash: z.string().default(''),
  /** `tokenwatch.request_hash`: identifies a resent request; empty when the emitter sets none. */
  requestHash: z.string().default(''),
  attributes: z.record(z.string(), z.string()).default({}),
});

/** A normalized LLM call as the collector hands it to the store. */
export type LlmCall = z.infer<typeof LlmCallSchema>;
/** What callers may pass: every field with a default may be omitted. */
export type LlmCallInput = z.input<typeof LlmCallSchema>;
