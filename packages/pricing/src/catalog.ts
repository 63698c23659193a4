/**
 * @module
 * The price catalog bundled with `@pydantic/genai-prices`, made fit for the ingest hot path.
 *
 * The library is asked one thing only: which catalog entry a (provider, model) pair names. Its own
 * lookup costs 10 to 100 µs (it scans every provider and evaluates match rules), so answers are
 * memoized. Its arithmetic is done in doubles and reports only input and output totals, so costs
 * are computed by the pricer from the entry's per-million prices, read once into exact decimals.
 *
 * No network: the library fetches price data only when `updatePrices()` is called, and nothing in
 * Tokenwatch calls it, so the data bundled with the installed version is the only data used. That
 * data carries no version or date of its own, so the package version identifies it.
 */
import { calcPrice, findProvider, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import { Decimal } from './decimal.ts';

/**
 * Version of the installed `@pydantic/genai-prices`; a test compares it with the installed
 * package.json, so bumping the dependency without updating it fails CI.
 */
export const GENAI_PRICES_VERSION = '0.1.8';

/** `price_version` of costs computed from the bundled data. */
export const BUNDLED_PRICE_VERSION = `genai-prices@${GENAI_PRICES_VERSION}`;

/**
 * Telemetry provider names (OTel `gen_ai.provider.name`, deprecated `gen_ai.system` spellings,
 * OpenLLMetry's capitalized legacy values once lower-cased, Vercel AI SDK provider prefixes) to
 * library provider ids. Azure and Bedrock get their own ids: their catalogs differ from the model
 * vendor's (regional Bedrock prices, Azure entries), and Azure falls back to OpenAI's in the library.
 */
const PROVIDER_IDS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  'gcp.gen_ai': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gemini': 'google',
  vertex_ai: 'google',
  vertex: 'google',
  'google-vertex': 'google',
  gemini: 'google',
  azure: 'azure',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.openai': 'azure',
  'az.ai.inference': 'azure',
  'azure-openai': 'azure',
  aws: 'aws',
  'aws.bedrock': 'aws',
  bedrock: 'aws',
  'amazon-bedrock': 'aws',
  cohere: 'cohere',
  deepseek: 'deepseek',
  groq: 'groq',
  perplexity: 'perplexity',
  mistral: 'mistral',
  mistral_ai: 'mistral',
  xai: 'x-ai',
  x_ai: 'x-ai',
  'x-ai': 'x-ai',
  moonshot_ai: 'moonshotai',
  moonshotai: 'moonshotai',
  openrouter: 'openrouter',
  together: 'together',
  together_ai: 'together',
  togetherai: 'together',
  fireworks: 'fireworks',
  cerebras: 'cerebras',
};

/** The library providers Tokenwatch maps telemetry names to, each once, in the table's order. */
export const MAPPED_PROVIDER_IDS: readonly string[] = [...new Set(Object.values(PROVIDER_IDS))];

const providerIdMemo = new Map<string, string | null>();

/**
 * The genai-prices provider id for a provider name as telemetry carries it, or undefined when the
 * library has no such provider (then models are matched by name alone).
 *
 * Tried in order: the table above; the part before the first dot (`openai.chat`,
 * `anthropic.messages`, `google.vertex.chat` from the AI SDK); the library's own provider matching.
 *
 * @example
 * ```ts
 * libraryProviderId('gcp.vertex_ai'); // 'google'
 * libraryProviderId('anthropic.messages'); // 'anthropic'
 * libraryProviderId('ibm.watsonx.ai'); // undefined
 * ```
 */
export function libraryProviderId(provider: string): string | undefined {
  const key = provider.trim().toLowerCase();
  if (!key) return undefined;
  const known = providerIdMemo.get(key);
  if (known !== undefined) return known ?? undefined;
  const prefix = key.split('.')[0] ?? key;
  const id = PROVIDER_IDS[key] ?? PROVIDER_IDS[prefix] ?? findProvider({ providerId: key })?.id;
  // Provider names come from span attributes; bound the memo like every other per-value cache.
  if (providerIdMemo.size >= 1_000) providerIdMemo.clear();
  providerIdMemo.set(key, id ?? null);
  return id;
}

/**
 * The name overrides compare providers by: the library id when there is one, so `openai.chat` and
 * `openai` are the same provider, else the lower-cased name.
 */
export function canonicalProvider(provider: string): string {
  return libraryProviderId(provider) ?? provider.trim().toLowerCase();
}

/** A catalog entry a call was matched to. */
export type CatalogEntry = {
  /** Library provider id the entry was found under. */
  providerId: string;
  model: ModelInfo;
  /** `provider:entry`, e.g. `openai:gpt-4o`, as stored in the call's matched model. */
  matchedModel: string;
};

function lookup(model: string, providerId: string | undefined): CatalogEntry | undefined {
  let result: ReturnType<typeof calcPrice>;
  try {
    // Empty usage: only the match is wanted. The timestamp does not affect matching.
    result = calcPrice({}, model, providerId ? { providerId } : undefined);
  } catch {
    return undefined;
  }
  if (!result) return undefined;
  return {
    providerId: result.provider.id,
    model: result.model,
    matchedModel: `${result.provider.id}:${result.model.id}`,
  };
}

/** A memoized (provider, response model, request model) → catalog entry lookup. */
export type Catalog = {
  /**
   * The entry for a call: the response model (more specific, e.g. a dated snapshot) before the
   * request model, each under the call's provider first; then both by model name alone, because
   * OpenAI-compatible clients report `openai` for other vendors' models (`deepseek-chat`).
   */
  find(provider: string, responseModel: string, requestModel: string): CatalogEntry | undefined;
};

/**
 * Creates a catalog with its own bounded memo. Model names come from telemetry, so the memo is
 * capped: past `maxEntries` distinct keys it is cleared and refilled (a miss costs one library
 * lookup, tens of microseconds).
 *
 * @param options.maxEntries distinct (provider, models) keys kept, @default 10_000
 */
export function createCatalog(options: { maxEntries?: number } = {}): Catalog {
  const maxEntries = options.maxEntries ?? 10_000;
  const memo = new Map<string, CatalogEntry | null>();
  return {
    find(provider, responseModel, requestModel) {
      const key = `${provider}\u0000${responseModel}\u0000${requestModel}`;
      const cached = memo.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const models = [responseModel.trim(), requestModel.trim()].filter(
        (model, index, all) => model !== '' && all.indexOf(model) === index,
      );
      const providerId = libraryProviderId(provider);
      let entry: CatalogEntry | undefined;
      if (providerId) {
        for (const model of models) {
          entry = lookup(model, providerId);
          if (entry) break;
        }
      }
      if (!entry) {
        for (const model of models) {
          entry = lookup(model, undefined);
          if (entry) break;
        }
      }
      if (memo.size >= maxEntries) memo.clear();
      memo.set(key, entry ?? null);
      return entry;
    },
  };
}

/** The catalog shared by pricers and {@link getContextWindow}: the bundled data never changes. */
export const defaultCatalog: Catalog = createCatalog();

/**
 * The context window (maximum prompt plus output tokens) of a call's model from the bundled data,
 * or undefined when the library does not know it. Models are matched as for pricing.
 *
 * @example
 * ```ts
 * getContextWindow({ provider: 'openai', responseModel: 'gpt-4o-2024-08-06' }); // 128000
 * ```
 */
export function getContextWindow(call: {
  provider: string;
  responseModel?: string;
  requestModel?: string;
}): number | undefined {
  const entry = defaultCatalog.find(
    call.provider,
    call.responseModel ?? '',
    call.requestModel ?? '',
  );
  return entry?.model.context_window;
}

type PriceRule = { holds: (atMs: number) => boolean; prices: ModelPrice };

const DAY_MS = 86_400_000;
const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds after UTC midnight for `HH:MM:SS[.fff](Z|±HH:MM)`, or undefined if malformed. */
function utcTimeOfDayMs(text: string): number | undefined {
  const match = TIME_OF_DAY.exec(text);
  if (!match) return undefined;
  const [, hh = '', mm = '', ss = '', fraction = '', zone, sign, offH = '0', offM = '0'] = match;
  const hours = Number(hh);
  const minutes = Number(mm);
  const seconds = Number(ss);
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const local =
    ((hours * 60 + minutes) * 60 + seconds) * 1000 + Number(`0.${fraction || '0'}`) * 1000;
  const offset =
    zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM)) * 60_000;
  return (((local - offset) % DAY_MS) + DAY_MS) % DAY_MS;
}

function compileRule(rule: { constraint?: unknown; prices: ModelPrice }): PriceRule {
  const constraint = rule.constraint as
    | { type?: string; start_date?: string; start_time?: string; end_time?: string }
    | undefined;
  if (!constraint) return { holds: () => true, prices: rule.prices };
  if (constraint.start_date !== undefined) {
    const startMs = Date.parse(`${constraint.start_date}T00:00:00Z`);
    return { holds: (atMs) => atMs >= startMs, prices: rule.prices };
  }
  if (constraint.start_time !== undefined && constraint.end_time !== undefined) {
    const start = utcTimeOfDayMs(constraint.start_time);
    const end = utcTimeOfDayMs(constraint.end_time);
    if (start === undefined || end === undefined)
      return { holds: () => false, prices: rule.prices };
    return {
      holds: (atMs) => {
        const t = ((atMs % DAY_MS) + DAY_MS) % DAY_MS;
        // A window such as 22:00–06:00 wraps past midnight.
        return end < start ? t >= start || t < end : t >= start && t < end;
      },
      prices: rule.prices,
    };
  }
  // An unknown kind of constraint never holds, so it cannot apply a price it does not understand.
  return { holds: () => false, prices: rule.prices };
}

const ruleMemo = new WeakMap<ModelInfo, PriceRule[]>();

/**
 * The price of a catalog entry in effect at `atMs` (ms since the epoch). Entries with several
 * prices list them oldest first; as the library documents and does, the last rule whose constraint
 * holds wins: a `start_date` holds from that UTC midnight on, a `time_of_date` window holds during
 * those UTC hours every day (DeepSeek's off-peak prices), and the first price applies when none
 * holds.
 */
export function priceAt(model: ModelInfo, atMs: number): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  let rules = ruleMemo.get(model);
  if (!rules) {
    rules = model.prices.map(compileRule);
    ruleMemo.set(model, rules);
  }
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i];
    if (rule?.holds(atMs)) return rule.prices;
  }
  return rules[0]?.prices ?? {};
}

/** A per-million price, possibly tiered by prompt size. */
export type Rate = {
  readonly base: Decimal;
  /** Ascending by `above`; a tier applies when the prompt has more than `above` tokens. */
  readonly tiers: readonly { readonly above: number; readonly price: Decimal }[];
};

/** The per-million-token rates Tokenwatch's four token kinds are priced with. */
export type TokenRates = {
  readonly input: Rate;
  readonly cacheRead: Rate;
  /** Cache writes to the 5-minute cache (the default lifetime), and to providers without TTLs. */
  readonly cacheWrite: Rate;
  /** Cache writes to Anthropic's 1-hour cache. */
  readonly cacheWrite1h: Rate;
  readonly output: Rate;
  /** Only for models that price reasoning apart from the rest of the output. */
  readonly outputReasoning: Rate | undefined;
};

const ZERO_RATE: Rate = { base: Decimal.ZERO, tiers: [] };

/** Anthropic's documented price of a 1-hour cache write: twice the base input price. */
const CACHE_WRITE_1H_INPUT_MULTIPLE = Decimal.from(2);

function scaleRate(rate: Rate, factor: Decimal): Rate {
  return {
    base: rate.base.times(factor),
    tiers: rate.tiers.map((tier) => ({ above: tier.above, price: tier.price.times(factor) })),
  };
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Reads a library price value (a number or `{ base, tiers }`); undefined when malformed. */
function readRate(value: unknown): Rate | undefined {
  if (isNonNegative(value)) return { base: Decimal.from(value), tiers: [] };
  if (typeof value !== 'object' || value === null) return undefined;
  const { base, tiers } = value as { base?: unknown; tiers?: unknown };
  if (!isNonNegative(base) || !Array.isArray(tiers)) return undefined;
  const parsed: { above: number; price: Decimal }[] = [];
  for (const tier of tiers as { start?: unknown; price?: unknown }[]) {
    if (!Number.isSafeInteger(tier.start) || !isNonNegative(tier.price)) return undefined;
    parsed.push({ above: tier.start as number, price: Decimal.from(tier.price) });
  }
  parsed.sort((a, b) => a.above - b.above);
  return { base: Decimal.from(base), tiers: parsed };
}

const ratesMemo = new WeakMap<ModelPrice, TokenRates | null>();

/**
 * The rates of one catalog price, read into decimals once per price object. Undefined when the
 * price has neither `input_mtok` nor `output_mtok` (per-page OCR, per-hour audio) or is malformed.
 *
 * Missing keys follow the library's model, where cache tokens are a part of the input: without
 * `cache_read_mtok` or `cache_write_mtok` those tokens cost the input price; a missing input or
 * output price is zero. `cache_write_mtok` is the 5-minute write price, `cache_write_1h_mtok` the
 * 1-hour one (Anthropic); entries with a write price but no 1-hour one (Anthropic models on Bedrock,
 * Vertex, OpenRouter) get Anthropic's documented multiple, twice the input price (tiers included),
 * since only Anthropic reports 1-hour writes. Per-request and
 * per-search fees have no token kind to go with and are left out.
 */
export function tokenRates(price: ModelPrice): TokenRates | undefined {
  const cached = ratesMemo.get(price);
  if (cached !== undefined) return cached ?? undefined;
  let rates: TokenRates | undefined;
  if (price.input_mtok !== undefined || price.output_mtok !== undefined) {
    const read = (key: string): Rate | undefined | null =>
      price[key] === undefined ? undefined : (readRate(price[key]) ?? null);
    const input = read('input_mtok');
    const cacheRead = read('cache_read_mtok');
    const cacheWrite = read('cache_write_mtok');
    const cacheWrite1h = read('cache_write_1h_mtok');
    const output = read('output_mtok');
    const outputReasoning = read('output_reasoning_mtok');
    const malformed = [
      input,
      cacheRead,
      cacheWrite,
      cacheWrite1h,
      output,
      outputReasoning,
    ].includes(null);
    if (!malformed) {
      const inputRate = input ?? ZERO_RATE;
      rates = {
        input: inputRate,
        cacheRead: cacheRead ?? inputRate,
        cacheWrite: cacheWrite ?? inputRate,
        // No write price at all follows the library's rule (cache tokens cost input), for both
        // lifetimes.
        cacheWrite1h:
          cacheWrite1h ??
          (cacheWrite ? scaleRate(inputRate, CACHE_WRITE_1H_INPUT_MULTIPLE) : inputRate),
        output: output ?? ZERO_RATE,
        outputReasoning: outputReasoning ?? undefined,
      };
    }
  }
  ratesMemo.set(price, rates ?? null);
  return rates;
}

/**
 * The per-million price of a rate for a prompt of `promptTokens` (uncached input plus cache reads
 * plus cache writes). A tier prices the whole call, not only the tokens past its threshold, as
 * long-context pricing is billed ("prompts over 200k tokens"), and the threshold is exclusive.
 */
export function rateFor(rate: Rate, promptTokens: number): Decimal {
  let price = rate.base;
  for (const tier of rate.tiers) {
    if (promptTokens > tier.above) price = tier.price;
    else break;
  }
  return price;
}
