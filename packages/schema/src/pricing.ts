/**
 * @module
 * User price overrides from tokenwatch.yaml (snake_case keys, like the rest of the file). An
 * override replaces the bundled price of the models it matches, or only discounts it.
 */
import { z } from 'zod';

/**
 * Writes a finite non-negative number as a plain decimal string. `String()` gives the shortest
 * digits that read back as the same double, i.e. what the YAML author typed, but switches to
 * exponent form below 1e-6 (`1e-7`), which downstream decimal strings must not contain.
 */
function plainDecimal(value: number): string {
  const text = String(value);
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  // Position of the decimal point within `digits` once the exponent is applied.
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

const DECIMAL_TEXT = /^\d+(\.\d+)?$/;

/**
 * A non-negative amount written as a number (`2.5`) or a decimal string (`"0.075"`), read into a
 * plain decimal string so no float touches it afterwards. NaN, infinities, negatives and exponent
 * strings are rejected.
 */
const DECIMAL_ERROR = 'expected a non-negative decimal number, e.g. 2.5 or "0.075"';
const nonNegativeDecimal = z
  .union(
    [
      z.number({ error: DECIMAL_ERROR }).nonnegative({ error: DECIMAL_ERROR }),
      z.string({ error: DECIMAL_ERROR }).regex(DECIMAL_TEXT, { error: DECIMAL_ERROR }),
    ],
    { error: DECIMAL_ERROR },
  )
  .transform((value) => (typeof value === 'number' ? plainDecimal(value) : value));

const usdPerMillion = nonNegativeDecimal.optional();

/** A fraction between 0 and 1 inclusive; checked on the text so `"1.0000000000000000001"` fails. */
const FRACTION_ERROR = 'expected a fraction between 0 and 1, e.g. 0.2 for a 20% discount';
const fraction = z
  .union(
    [
      z.number({ error: FRACTION_ERROR }).min(0, { error: FRACTION_ERROR }).max(1, {
        error: FRACTION_ERROR,
      }),
      z
        .string({ error: FRACTION_ERROR })
        .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { error: FRACTION_ERROR }),
    ],
    { error: FRACTION_ERROR },
  )
  .transform((value) => (typeof value === 'number' ? plainDecimal(value) : value));

/**
 * One entry of the `prices` list in tokenwatch.yaml.
 *
 * - `model` matches the call's response or request model, case-insensitively; `*` matches any
 *   run of characters (`gpt-4o*`, `*`), every other character is literal.
 * - `provider`, when set, must name the same provider as the call after normalization
 *   (`openai` matches `openai.chat`, `azure` matches `azure.ai.openai`).
 * - Prices are USD per million tokens. Give `input` and `output` (the cache prices default to the
 *   input price), or give only `discount` to discount the bundled price.
 * - `effective_from` (a date, read as midnight UTC, or a date-time with offset): the override
 *   applies to calls starting at or after it. With several matching overrides in effect the most
 *   specific one applies (exact model before glob, longer glob before shorter, with provider
 *   before without), and among equally specific ones the one with the latest `effective_from`.
 *   Overrides do not stack: put the discount on the specific entry too if both should apply.
 * - `discount` multiplies every component by `1 - discount` (a negotiated 20% off is `0.2`).
 *
 * @example
 * ```yaml
 * prices:
 *   - model: my-finetune
 *     provider: openai
 *     input: 3
 *     output: "12.5"
 *   - model: gpt-4o*
 *     provider: azure
 *     discount: 0.2
 *     effective_from: 2025-07-01
 * ```
 */
export const PriceOverrideSchema = z
  .object({
    model: z
      .string()
      .trim()
      .min(1)
      .describe('Model name to match, exactly or as a glob with * (case-insensitive).'),
    provider: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Provider to match (openai, anthropic, azure, aws, google, …); any when absent.'),
    input: usdPerMillion.describe('USD per million uncached input tokens.'),
    cache_read: usdPerMillion.describe(
      'USD per million cache-read input tokens (default: the input price).',
    ),
    cache_write: usdPerMillion.describe(
      'USD per million cache-write (cache creation) input tokens (default: the input price).',
    ),
    output: usdPerMillion.describe('USD per million output tokens, reasoning included.'),
    effective_from: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        error: 'expected an ISO date (2025-07-01) or date-time with offset (2025-07-01T00:00:00Z)',
      })
      .optional()
      .describe('Applies to calls starting at or after this date (midnight UTC) or date-time.'),
    discount: fraction
      .optional()
      .describe('Fraction taken off every component, e.g. 0.2 for a negotiated 20% discount.'),
  })
  .strict()
  .superRefine((override, ctx) => {
    const hasAnyPrice = [
      override.input,
      override.cache_read,
      override.cache_write,
      override.output,
    ].some((price) => price !== undefined);
    if (!hasAnyPrice) {
      if (override.discount === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['discount'],
          message: 'an override needs prices (input and output) or a discount',
        });
      }
      return;
    }
    // A half-specified price would leave the other side to guess (zero? bundled?); require both.
    for (const key of ['input', 'output'] as const) {
      if (override[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} is required when an override sets prices`,
        });
      }
    }
  });

/** A validated price override: prices and discount are plain decimal strings. */
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;
/** A price override as written in the config file (numbers or strings). */
export type PriceOverrideInput = z.input<typeof PriceOverrideSchema>;

/** The `prices` list of tokenwatch.yaml. */
export const PriceOverridesSchema = z.array(PriceOverrideSchema);
