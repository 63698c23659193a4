/**
 * @module
 * User price overrides (the `prices` list of tokenwatch.yaml), compiled once into matchers and
 * exact decimals so that choosing one per call is a memoized lookup and a short scan.
 */
import { createHash } from 'node:crypto';
import { canonicalProvider } from './catalog.ts';
import { Decimal } from './decimal.ts';

/**
 * A price override as `PriceOverrideSchema` in `@tokenwatch/schema` outputs it. Declared here
 * structurally (numbers are accepted too) so the pricer does not depend on how the schema package
 * exports it.
 */
export type PriceOverrideSpec = {
  model: string;
  provider?: string | undefined;
  input?: string | number | undefined;
  cache_read?: string | number | undefined;
  cache_write?: string | number | undefined;
  output?: string | number | undefined;
  effective_from?: string | undefined;
  discount?: string | number | undefined;
};

/** Flat per-million prices of an override that sets them. */
export type FlatRates = {
  readonly input: Decimal;
  readonly cacheRead: Decimal;
  readonly cacheWrite: Decimal;
  readonly output: Decimal;
};

/** An override ready to apply. */
export type CompiledOverride = {
  /** `provider:model` or `model` as written, for the call's matched model. */
  readonly label: string;
  /** `override:` and 12 hex digits of a hash of the override: changes whenever it is edited. */
  readonly version: string;
  /** Undefined for a discount-only override, which applies to the bundled price. */
  readonly rates: FlatRates | undefined;
  /** `1 − discount`, undefined without a discount. */
  readonly multiplier: Decimal | undefined;
  readonly effectiveFromNs: bigint | undefined;
  readonly provider: string | undefined;
  readonly exact: boolean;
  /** Characters other than `*`: a longer glob is more specific. */
  readonly literalLength: number;
  readonly order: number;
  readonly matches: (model: string) => boolean;
};

function parsePrice(value: string | number, what: string): Decimal {
  const price = Decimal.from(value);
  if (price.isNegative()) throw new RangeError(`${what}: negative price ${value}`);
  return price;
}

/** A case-insensitive matcher for a model glob (`*` matches any run of characters). */
export function globMatcher(pattern: string): (model: string) => boolean {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*')) return (model) => model.toLowerCase() === lower;
  const source = lower
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (model) => regex.test(model.toLowerCase());
}

/** Nanoseconds since the epoch for a date (midnight UTC) or an offset date-time. */
function parseEffectiveFrom(text: string, what: string): bigint {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  // Without an offset Date.parse would read the machine's local time: refuse, as the schema does.
  const hasOffset = /T.*(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = dateOnly ? Date.parse(`${text}T00:00:00Z`) : hasOffset ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what}: invalid effective_from ${text}`);
  return BigInt(ms) * 1_000_000n;
}

/**
 * Compiles one override; throws RangeError naming it (`#order + 1`) when it is invalid.
 */
export function compileOne(spec: PriceOverrideSpec, order: number): CompiledOverride {
  const what = `price override #${order + 1} (${spec.model})`;
  const model = spec.model.trim();
  if (!model) throw new RangeError(`${what}: empty model`);
  const prices = [spec.input, spec.cache_read, spec.cache_write, spec.output];
  let rates: FlatRates | undefined;
  if (prices.some((price) => price !== undefined)) {
    if (spec.input === undefined || spec.output === undefined) {
      throw new RangeError(`${what}: input and output are required when an override sets prices`);
    }
    const input = parsePrice(spec.input, what);
    rates = {
      input,
      cacheRead: spec.cache_read === undefined ? input : parsePrice(spec.cache_read, what),
      cacheWrite: spec.cache_write === undefined ? input : parsePrice(spec.cache_write, what),
      output: parsePrice(spec.output, what),
    };
  }
  let multiplier: Decimal | undefined;
  if (spec.discount !== undefined) {
    const discount = Decimal.from(spec.discount);
    if (discount.isNegative() || discount.compare(Decimal.ONE) > 0) {
      throw new RangeError(`${what}: discount must be between 0 and 1, got ${spec.discount}`);
    }
    multiplier = Decimal.ONE.minus(discount);
  }
  if (!rates && !multiplier) throw new RangeError(`${what}: needs prices or a discount`);
  const provider = spec.provider?.trim() ? canonicalProvider(spec.provider) : undefined;
  // Hash the normalized content, so reformatting the YAML keeps the version and any edit changes it.
  const content = JSON.stringify([
    model.toLowerCase(),
    provider ?? '',
    rates ? [rates.input, rates.cacheRead, rates.cacheWrite, rates.output].map(String) : null,
    multiplier?.format(24) ?? null,
    spec.effective_from ?? null,
  ]);
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  return {
    label: spec.provider?.trim() ? `${spec.provider.trim()}:${model}` : model,
    version: `override:${hash}`,
    rates,
    multiplier,
    effectiveFromNs:
      spec.effective_from === undefined ? undefined : parseEffectiveFrom(spec.effective_from, what),
    provider,
    exact: !model.includes('*'),
    literalLength: model.replaceAll('*', '').length,
    order,
    matches: globMatcher(model),
  };
}

/** Positive when `a` is more specific than `b`: exact model, longer glob, provider given. */
function specificity(a: CompiledOverride, b: CompiledOverride): number {
  return (
    Number(a.exact) - Number(b.exact) ||
    a.literalLength - b.literalLength ||
    Number(a.provider !== undefined) - Number(b.provider !== undefined)
  );
}

/** Most specific first; among equally specific ones the latest effective date first. */
function bySpecificity(a: CompiledOverride, b: CompiledOverride): number {
  return (
    specificity(b, a) ||
    // No effective date means "always": it sorts as the earliest.
    compareBigint(b.effectiveFromNs ?? -1n, a.effectiveFromNs ?? -1n) ||
    // A later entry in the file wins a full tie, as later keys do in YAML.
    b.order - a.order
  );
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Finds the override for a call; memoized per (provider, model). */
export type OverrideSet = {
  readonly size: number;
  /**
   * The override applying to a call from `provider` at `atNs` whose models are `models` (response
   * model first). Among the matching overrides already in effect the most specific wins (exact
   * model, then longer glob, then with a provider), whichever model it matched, the response
   * model on a tie; among equally specific ones the latest `effective_from` wins.
   */
  find(provider: string, models: readonly string[], atNs: bigint): CompiledOverride | undefined;
};

/**
 * Compiles overrides, validating them again because callers other than the config loader may
 * build them.
 *
 * @throws {RangeError} naming the override, for a negative or malformed price, a discount outside
 * 0..1, an invalid `effective_from` or an override with neither prices nor a discount
 */
export function compileOverrides(
  specs: readonly PriceOverrideSpec[],
  options: { maxEntries?: number } = {},
): OverrideSet {
  const compiled = specs.map(compileOne);
  const maxEntries = options.maxEntries ?? 10_000;
  const memo = new Map<string, CompiledOverride[]>();
  return {
    size: compiled.length,
    find(provider, models, atNs) {
      if (compiled.length === 0) return undefined;
      let best: CompiledOverride | undefined;
      for (const model of models) {
        const found = inEffect(candidatesFor(provider, model), atNs);
        if (found && (!best || specificity(found, best) > 0)) best = found;
      }
      return best;
    },
  };

  function candidatesFor(provider: string, model: string): CompiledOverride[] {
    const key = `${provider}\u0000${model}`;
    let candidates = memo.get(key);
    if (!candidates) {
      const callProvider = canonicalProvider(provider);
      candidates = compiled
        .filter(
          (o) => (o.provider === undefined || o.provider === callProvider) && o.matches(model),
        )
        .sort(bySpecificity);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(key, candidates);
    }
    return candidates;
  }
}

/** The first candidate (they are sorted by {@link bySpecificity}) already in effect at `atNs`. */
function inEffect(candidates: CompiledOverride[], atNs: bigint): CompiledOverride | undefined {
  for (const candidate of candidates) {
    if (candidate.effectiveFromNs === undefined || candidate.effectiveFromNs <= atNs) {
      return candidate;
    }
  }
  return undefined;
}
