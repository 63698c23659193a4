/**
 * @module
 * The prices the pricer knows, as a list people and scripts can read (`tokenwatch prices`): every
 * model of the bundled genai-prices data under the providers Tokenwatch maps telemetry to, and
 * every tokenwatch.yaml override, with where each price comes from.
 */
import { findProvider } from '@pydantic/genai-prices';
import {
  BUNDLED_PRICE_VERSION,
  MAPPED_PROVIDER_IDS,
  priceAt,
  type Rate,
  tokenRates,
} from './catalog.ts';
import type { Decimal } from './decimal.ts';
import { compileOne, globMatcher, type PriceOverrideSpec } from './overrides.ts';

/** One known price: USD per million tokens as decimal strings, null where it does not apply. */
export type PriceListing = {
  /** Library provider id (bundled data), or the override's provider ('' for any). */
  provider: string;
  /** Catalog model id, or the override's model glob. */
  model: string;
  input: string | null;
  cacheRead: string | null;
  /** 5-minute (default) cache writes. */
  cacheWrite: string | null;
  /** 1-hour cache writes (Anthropic); derived as 2 × input where the data has no such price. */
  cacheWrite1h: string | null;
  output: string | null;
  /** Whether the bundled price rises for long prompts (the base price is listed). */
  tiered: boolean;
  /** `genai-prices@<version>`, or `tokenwatch.yaml` for an override. */
  source: string;
  /** The price version stored with calls priced by it (`override:<hash>` for overrides). */
  priceVersion: string;
  /** An override's effective_from, null otherwise. */
  effectiveFrom: string | null;
  /** An override's discount (0 to 1) on the bundled price, null otherwise. */
  discount: string | null;
};

/** Options of {@link listPrices}. */
export type ListPricesOptions = {
  /** tokenwatch.yaml `prices`, listed first (they win over the bundled data). @default [] */
  overrides?: readonly PriceOverrideSpec[];
  /** Only models matching this glob (`claude-*`), case-insensitive. */
  model?: string;
  /** The instant whose bundled prices are listed (prices change over time). @default now */
  at?: Date;
};

const text = (value: Decimal): string => value.format();
const base = (rate: Rate): string => text(rate.base);

/**
 * Lists the known prices: overrides first, in file order, then the bundled data by provider and
 * model id. Models without per-token prices (per-page OCR, per-second audio) are left out.
 * Throws RangeError for an invalid override, as the pricer does.
 *
 * @example
 * ```ts
 * listPrices({ model: 'gpt-4o-mini' });
 * // [{ provider: 'openai', model: 'gpt-4o-mini', input: '0.15', ..., source: 'genai-prices@0.1.8' }]
 * ```
 */
export function listPrices(options: ListPricesOptions = {}): PriceListing[] {
  const matches = options.model === undefined ? () => true : globMatcher(options.model);
  const atMs = (options.at ?? new Date()).getTime();
  const listings: PriceListing[] = [];
  (options.overrides ?? []).forEach((spec, order) => {
    // Validated like the pricer's, so a listing never shows an override the pricer would refuse.
    const compiled = compileOne(spec, order);
    if (!matches(spec.model.trim())) return;
    const rates = compiled.rates;
    listings.push({
      provider: spec.provider?.trim() ?? '',
      model: spec.model.trim(),
      input: rates ? text(rates.input) : null,
      cacheRead: rates ? text(rates.cacheRead) : null,
      cacheWrite: rates ? text(rates.cacheWrite) : null,
      // An override has one cache-write price, for both lifetimes (see the pricer).
      cacheWrite1h: rates ? text(rates.cacheWrite) : null,
      output: rates ? text(rates.output) : null,
      tiered: false,
      source: 'tokenwatch.yaml',
      priceVersion: compiled.version,
      effectiveFrom: spec.effective_from ?? null,
      discount: spec.discount === undefined ? null : String(spec.discount),
    });
  });
  const bundled: PriceListing[] = [];
  for (const providerId of MAPPED_PROVIDER_IDS) {
    const provider = findProvider({ providerId });
    // Only the library's own id: its fallback lookup would list another provider's models here.
    if (!provider || provider.id !== providerId) continue;
    for (const model of provider.models) {
      if (!matches(model.id)) continue;
      const rates = tokenRates(priceAt(model, atMs));
      if (!rates) continue;
      const all = [
        rates.input,
        rates.cacheRead,
        rates.cacheWrite,
        rates.cacheWrite1h,
        rates.output,
      ];
      bundled.push({
        provider: provider.id,
        model: model.id,
        input: base(rates.input),
        cacheRead: base(rates.cacheRead),
        cacheWrite: base(rates.cacheWrite),
        cacheWrite1h: base(rates.cacheWrite1h),
        output: base(rates.output),
        tiered: all.some((rate) => rate.tiers.length > 0),
        source: BUNDLED_PRICE_VERSION,
        priceVersion: BUNDLED_PRICE_VERSION,
        effectiveFrom: null,
        discount: null,
      });
    }
  }
  bundled.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  return [...listings, ...bundled];
}
