/**
 * @module
 * Prices one normalized LLM call, on the ingest hot path. The price comes from, in order of
 * precedence: a cost the provider reported on the span, a user override from tokenwatch.yaml, the
 * catalog bundled with `@pydantic/genai-prices`. A call whose model is in none of them is reported
 * as unpriced with a reason, never as costing 0.
 *
 * Token kinds never overlap: `inputTokens` is uncached input, cache reads and writes are apart,
 * `outputTokens` includes `reasoningTokens`. Each component is `tokens × price per million / 10^6`,
 * computed exactly, then rounded half-even to 12 places; the total is the sum of the rounded
 * components, so `input + cacheRead + cacheWrite + output = total` holds exactly in the store.
 */
import {
  BUNDLED_PRICE_VERSION,
  defaultCatalog,
  priceAt,
  rateFor,
  type TokenRates,
  tokenRates,
} from './catalog.ts';
import {
  Decimal,
  divideHalfEven,
  formatScaled,
  INTERNAL_FRACTION_DIGITS,
  OUTPUT_FRACTION_DIGITS,
  powerOfTen,
} from './decimal.ts';
import { compileOverrides, type FlatRates, type PriceOverrideSpec } from './overrides.ts';

export { getContextWindow } from './catalog.ts';
export type { PriceOverrideSpec } from './overrides.ts';

/** What the pricer needs from a normalized call. */
export type PriceableCall = {
  provider: string;
  requestModel: string;
  responseModel: string;
  /** Call start, nanoseconds since the epoch: selects time-dependent and overridden prices. */
  startTimeNs: bigint;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /**
   * The part of `cacheWriteTokens` written to a 1-hour cache (Anthropic), priced at the 1-hour
   * rate; the rest of the writes at the 5-minute one. @default 0
   */
  cacheWrite1hTokens?: number;
  outputTokens: number;
  reasoningTokens: number;
  /** A cost in USD the provider or gateway reported for this call (OpenRouter, LiteLLM). */
  reportedCostUsd?: string | number | undefined;
};

/** Where a price came from. */
export type PriceSource = 'override' | 'genai-prices' | 'reported';

/** A priced call. Costs are USD as plain decimal strings with at most 12 decimal places. */
export type PricedResult = {
  priced: true;
  /**
   * Components are null only for a reported cost on a model with no list price to split it by;
   * otherwise they are strings and add up to `totalCost` exactly.
   */
  inputCost: string | null;
  cacheReadCost: string | null;
  cacheWriteCost: string | null;
  outputCost: string | null;
  totalCost: string;
  priceSource: PriceSource;
  /**
   * Which prices: `genai-prices@<version>`, `override:<hash>`,
   * `genai-prices@<version>+override:<hash>` for a discount on bundled prices, or `reported`.
   */
  priceVersion: string;
  /** The catalog entry (`openai:gpt-4o`) or override pattern the call matched. */
  matchedModel: string;
};

/** A call that could not be priced, and why. */
export type UnpricedResult = { priced: false; reason: string };

export type PriceResult = PricedResult | UnpricedResult;

/** Prices calls; see {@link createPricer}. */
export type Pricer = {
  /** Prices one call. Never throws for bad call data: it answers `priced: false` instead. */
  price(call: PriceableCall): PriceResult;
};

/** Options of {@link createPricer}. */
export type PricerOptions = {
  /** User overrides (tokenwatch.yaml `prices`), as `PriceOverrideSchema` outputs them. @default [] */
  overrides?: readonly PriceOverrideSpec[];
};

/**
 * Exact costs of the four components as integers over a common power of ten: component `i` costs
 * `parts[i] × 10^-scale` USD. Nothing is rounded until the result is formatted, so a discount or a
 * price with many decimals never rounds twice.
 */
type Components = {
  readonly parts: readonly [input: bigint, cacheRead: bigint, cacheWrite: bigint, output: bigint];
  readonly scale: number;
};

type ListPrice = {
  components: Components;
  priceSource: 'override' | 'genai-prices';
  priceVersion: string;
  matchedModel: string;
};

// A rate is a per-million price held with 24 decimals: rate units × tokens is the cost × 10^30.
const COMPONENT_SCALE = INTERNAL_FRACTION_DIGITS + 6;

function unpriced(reason: string): UnpricedResult {
  return { priced: false, reason };
}

function isTokenCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Components from tiered catalog rates; reasoning is output unless the model prices it apart. */
function catalogComponents(rates: TokenRates, call: PriceableCall): Components {
  const prompt = call.inputTokens + call.cacheReadTokens + call.cacheWriteTokens;
  const writes1h = Math.min(call.cacheWrite1hTokens ?? 0, call.cacheWriteTokens);
  const outputUnits = rateFor(rates.output, prompt).units;
  let output: bigint;
  if (rates.outputReasoning) {
    const reasoning = Math.min(call.reasoningTokens, call.outputTokens);
    output =
      outputUnits * BigInt(call.outputTokens - reasoning) +
      rateFor(rates.outputReasoning, prompt).units * BigInt(reasoning);
  } else {
    output = outputUnits * BigInt(call.outputTokens);
  }
  return {
    parts: [
      rateFor(rates.input, prompt).units * BigInt(call.inputTokens),
      rateFor(rates.cacheRead, prompt).units * BigInt(call.cacheReadTokens),
      rateFor(rates.cacheWrite, prompt).units * BigInt(call.cacheWriteTokens - writes1h) +
        rateFor(rates.cacheWrite1h, prompt).units * BigInt(writes1h),
      output,
    ],
    scale: COMPONENT_SCALE,
  };
}

/**
 * Components from an override's flat rates. An override has one cache-write price, which prices
 * writes of every cache lifetime.
 */
function flatComponents(rates: FlatRates, call: PriceableCall): Components {
  return {
    parts: [
      rates.input.units * BigInt(call.inputTokens),
      rates.cacheRead.units * BigInt(call.cacheReadTokens),
      rates.cacheWrite.units * BigInt(call.cacheWriteTokens),
      rates.output.units * BigInt(call.outputTokens),
    ],
    scale: COMPONENT_SCALE,
  };
}

function discounted(components: Components, multiplier: Decimal | undefined): Components {
  if (!multiplier) return components;
  const m = multiplier.units;
  const [input, cacheRead, cacheWrite, output] = components.parts;
  return {
    parts: [input * m, cacheRead * m, cacheWrite * m, output * m],
    scale: components.scale + INTERNAL_FRACTION_DIGITS,
  };
}

function toResult(list: ListPrice): PricedResult {
  const { parts, scale } = list.components;
  const divisor = powerOfTen(scale - OUTPUT_FRACTION_DIGITS);
  // Each component is rounded once, half-even; the total is their sum so the parts add up.
  const input = divideHalfEven(parts[0], divisor);
  const cacheRead = divideHalfEven(parts[1], divisor);
  const cacheWrite = divideHalfEven(parts[2], divisor);
  const output = divideHalfEven(parts[3], divisor);
  return {
    priced: true,
    inputCost: formatScaled(input, OUTPUT_FRACTION_DIGITS),
    cacheReadCost: formatScaled(cacheRead, OUTPUT_FRACTION_DIGITS),
    cacheWriteCost: formatScaled(cacheWrite, OUTPUT_FRACTION_DIGITS),
    outputCost: formatScaled(output, OUTPUT_FRACTION_DIGITS),
    totalCost: formatScaled(input + cacheRead + cacheWrite + output, OUTPUT_FRACTION_DIGITS),
    priceSource: list.priceSource,
    priceVersion: list.priceVersion,
    matchedModel: list.matchedModel,
  };
}

/**
 * A reported cost is what the provider billed, so it is the total as is (no discount applied).
 * When a list price exists, the total is split across the components in proportion to it, with
 * largest-remainder rounding so the components still add up to the total exactly: dashboards keep
 * their input/cache/output breakdown. Without a list price the components stay null, because any
 * split would be invented.
 */
function reportedResult(
  reported: Decimal,
  list: ListPrice | undefined,
  fallbackModel: string,
): PricedResult {
  // The total in whole steps of 10^-12, rounded half-even.
  const steps = divideHalfEven(
    reported.units,
    powerOfTen(INTERNAL_FRACTION_DIGITS - OUTPUT_FRACTION_DIGITS),
  );
  const base = {
    priced: true as const,
    totalCost: formatScaled(steps, OUTPUT_FRACTION_DIGITS),
    priceSource: 'reported' as const,
    priceVersion: 'reported',
    matchedModel: list?.matchedModel ?? fallbackModel,
  };
  const parts = list?.components.parts;
  const listTotal = parts ? parts[0] + parts[1] + parts[2] + parts[3] : 0n;
  if (!parts || listTotal === 0n) {
    // Nothing to split by: a zero total splits into zeros, anything else would be made up.
    const component = list && steps === 0n ? '0' : null;
    return {
      ...base,
      inputCost: component,
      cacheReadCost: component,
      cacheWriteCost: component,
      outputCost: component,
    };
  }
  // Floor every share, then hand the steps left over (fewer than four) to the components with the
  // largest remainders, ties to the earlier component. Plain loops: this runs per span.
  const shares = [0n, 0n, 0n, 0n];
  const remainders = [0n, 0n, 0n, 0n];
  let left = steps;
  for (let i = 0; i < 4; i++) {
    const numerator = steps * (parts[i] ?? 0n);
    const share = numerator / listTotal;
    shares[i] = share;
    remainders[i] = numerator - share * listTotal;
    left -= share;
  }
  for (; left > 0n; left--) {
    let largest = 0;
    for (let i = 1; i < 4; i++) {
      if ((remainders[i] ?? 0n) > (remainders[largest] ?? 0n)) largest = i;
    }
    shares[largest] = (shares[largest] ?? 0n) + 1n;
    // Handed out: it must not receive a second step while others still wait.
    remainders[largest] = -1n;
  }
  return {
    ...base,
    inputCost: formatScaled(shares[0] ?? 0n, OUTPUT_FRACTION_DIGITS),
    cacheReadCost: formatScaled(shares[1] ?? 0n, OUTPUT_FRACTION_DIGITS),
    cacheWriteCost: formatScaled(shares[2] ?? 0n, OUTPUT_FRACTION_DIGITS),
    outputCost: formatScaled(shares[3] ?? 0n, OUTPUT_FRACTION_DIGITS),
  };
}

/** The models and provider of a call, for the reason of an unpriced result (never built otherwise). */
function describe(call: PriceableCall, models: readonly string[]): string {
  const names = models.map((model) => JSON.stringify(model)).join(' / ');
  return `model ${names} (provider ${JSON.stringify(call.provider)})`;
}

/** A non-negative reported cost, or undefined when absent or unusable (then list prices apply). */
function readReportedCost(value: string | number | undefined): Decimal | undefined {
  if (value === undefined || value === '') return undefined;
  const cost = Decimal.tryFrom(typeof value === 'string' ? value.trim() : value);
  return cost && !cost.isNegative() ? cost : undefined;
}

/**
 * Creates a pricer. Overrides are validated and compiled here, so a bad one fails at startup.
 *
 * Lookup order for a call: a reported cost, if any, is the total. The list price (the cost when
 * nothing was reported, the basis of the split otherwise) comes from the most specific override in
 * effect that matches the response or the request model; else from the bundled catalog entry for
 * the response model, then the request model, under the call's provider and then by model name
 * alone. A discount-only override discounts that catalog entry.
 * Lookups are memoized per (provider, models), so a call costs a few microseconds after the first.
 *
 * @throws {RangeError} for an invalid override (see `compileOverrides`)
 *
 * @example
 * ```ts
 * const pricer = createPricer({ overrides: config.prices });
 * const result = pricer.price({ provider: 'openai', requestModel: 'gpt-4o', responseModel:
 *   'gpt-4o-2024-08-06', startTimeNs, inputTokens: 800, cacheReadTokens: 200,
 *   cacheWriteTokens: 0, outputTokens: 100, reasoningTokens: 0 });
 * // { priced: true, totalCost: '0.00325', priceSource: 'genai-prices', ... }
 * ```
 */
export function createPricer(options: PricerOptions = {}): Pricer {
  const overrides = compileOverrides(options.overrides ?? []);
  // The bundled data never changes, so every pricer shares one memoized catalog.
  const catalog = defaultCatalog;

  function listPrice(
    call: PriceableCall,
    models: string[],
    atMs: number,
  ): ListPrice | UnpricedResult {
    const override = overrides.find(call.provider, models, call.startTimeNs);
    if (override?.rates) {
      return {
        components: discounted(flatComponents(override.rates, call), override.multiplier),
        priceSource: 'override',
        priceVersion: override.version,
        matchedModel: override.label,
      };
    }
    const entry = catalog.find(call.provider, call.responseModel, call.requestModel);
    if (!entry) {
      return unpriced(
        override
          ? `override ${JSON.stringify(override.label)} only sets a discount and ${BUNDLED_PRICE_VERSION} has no price for ${describe(call, models)}`
          : `no price for ${describe(call, models)} in overrides or ${BUNDLED_PRICE_VERSION}`,
      );
    }
    const rates = tokenRates(priceAt(entry.model, atMs));
    if (!rates) {
      return unpriced(
        `${BUNDLED_PRICE_VERSION} entry ${entry.matchedModel} has no per-token price for ${describe(call, models)}`,
      );
    }
    return {
      components: discounted(catalogComponents(rates, call), override?.multiplier),
      priceSource: override ? 'override' : 'genai-prices',
      priceVersion: override
        ? `${BUNDLED_PRICE_VERSION}+${override.version}`
        : BUNDLED_PRICE_VERSION,
      matchedModel: entry.matchedModel,
    };
  }

  return {
    price(call) {
      const counts = [
        call.inputTokens,
        call.cacheReadTokens,
        call.cacheWriteTokens,
        call.cacheWrite1hTokens ?? 0,
        call.outputTokens,
        call.reasoningTokens,
      ];
      if (!counts.every(isTokenCount)) {
        return unpriced(`token counts must be non-negative integers, got ${counts.join(', ')}`);
      }
      const models = [call.responseModel.trim(), call.requestModel.trim()].filter(
        (model, index, all) => model !== '' && all.indexOf(model) === index,
      );
      if (models.length === 0) return unpriced('the call names no model');
      const atMs = Number(call.startTimeNs / 1_000_000n);
      const list = listPrice(call, models, atMs);
      const reported = readReportedCost(call.reportedCostUsd);
      if (reported) {
        return reportedResult(reported, 'components' in list ? list : undefined, models[0] ?? '');
      }
      return 'components' in list ? toResult(list) : list;
    },
  };
}
