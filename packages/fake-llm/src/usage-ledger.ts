/**
 * What the fake answered, call by call, and the arithmetic its admin endpoints (usage and cost
 * exports) share: UTC buckets, grouping and exact money.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from './errors.ts';
import type { ModelPrice } from './types.ts';
import type { ResolvedUsage } from './usage.ts';

/** One billed call the fake answered, as the provider's usage export counts it. */
export type BilledCall = {
  /** When it was answered, epoch milliseconds. */
  time: number;
  provider: Provider;
  /** The model the response named (the export reports snapshots, not aliases). */
  model: string;
  usage: ResolvedUsage;
  /** Export id of the API key (`key_…` / `apikey_…`), derived from the key; null without one. */
  apiKeyId: string | null;
  /** OpenAI: the `OpenAI-Project` header; Anthropic: null (the default workspace). */
  projectId: string | null;
  serviceTier: string;
};

/** The export id of an API key: a stable digest, so the key itself never appears in an export. */
export function apiKeyId(provider: Provider, key: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return provider === 'openai' ? `key_${digest}` : `apikey_${digest}`;
}

/** The API key a request authenticated with: OpenAI's bearer token or Anthropic's `x-api-key`. */
export function requestApiKey(provider: Provider, headers: IncomingHttpHeaders): string | null {
  const key = headers['x-api-key'];
  if (provider === 'anthropic' && typeof key === 'string' && key !== '') return key;
  // The Anthropic SDK sends a bearer token instead when it is given an auth token.
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return match?.[1] ?? null;
}

/**
 * The calls answered, oldest first, at most `capacity` of them: a long benchmark must not grow
 * the fake without bound, so the oldest calls are forgotten (and counted) first.
 */
export class UsageLedger {
  readonly #calls: BilledCall[] = [];
  readonly #capacity: number;
  #dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records one answered call, forgetting the oldest when full. */
  add(call: BilledCall): void {
    if (this.#capacity <= 0) return;
    if (this.#calls.length >= this.#capacity) {
      // Dropping in chunks keeps the cost of shifting an array amortized.
      const drop = Math.max(1, Math.floor(this.#capacity / 10));
      this.#calls.splice(0, drop);
      this.#dropped += drop;
    }
    this.#calls.push(call);
  }

  get calls(): readonly BilledCall[] {
    return this.#calls;
  }

  /** Calls forgotten because the ledger was full. */
  get dropped(): number {
    return this.#dropped;
  }

  clear(): void {
    this.#calls.length = 0;
    this.#dropped = 0;
  }
}

/** Bucket widths both exports accept, in milliseconds. */
export const WIDTH_MS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/** A time range cut into UTC buckets, each `[start, end)` in epoch milliseconds. */
export type Bucket = { start: number; end: number };

/**
 * Cuts `[from, to)` into buckets aligned on UTC `width` boundaries; the first bucket starts at
 * `from` itself, so an unaligned start gives a partial first bucket, as OpenAI's export does.
 */
export function cutBuckets(from: number, to: number, widthMs: number): Bucket[] {
  const buckets: Bucket[] = [];
  let start = from;
  while (start < to) {
    const end = Math.min(to, (Math.floor(start / widthMs) + 1) * widthMs);
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

/** Groups items by a key built from the grouped dimensions, in first-seen order. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Money as integer units of 1e-18 USD, so sums of per-token prices stay exact. */
const SCALE = 10n ** 18n;
const PER_MILLION = 1_000_000n;

function parseScaled(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!match) throw new TypeError(`price ${JSON.stringify(text)} is not a plain decimal`);
  return BigInt(match[1]!) * SCALE + BigInt((match[2] ?? '').padEnd(18, '0') || '0');
}

/** Formats scaled units as a plain decimal with `shift` more places (2 turns dollars into cents). */
export function formatScaled(units: bigint, shift = 0): string {
  const digits = 18 - shift;
  const scale = 10n ** BigInt(digits);
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** The priced parts of one call's usage, each in scaled units; empty when the model has no price. */
export type CostLines = Partial<
  Record<'input' | 'cached_input' | 'cache_write_5m' | 'cache_write_1h' | 'output', bigint>
>;

/**
 * What one call costs at the given prices (USD per million tokens), split as the cost exports'
 * line items. OpenAI bills cache writes as ordinary input, so they fold into `input` there.
 */
export function costOf(call: BilledCall, prices: Readonly<Record<string, ModelPrice>>): CostLines {
  const price = prices[call.model];
  if (!price) return {};
  const u = call.usage;
  const line = (tokens: number, perMillion: string | undefined): bigint =>
    (BigInt(tokens) * parseScaled(perMillion ?? price.input)) / PER_MILLION;
  const write1h = u.cacheWrite1h;
  const write5m = u.cacheWrite - write1h;
  if (call.provider === 'openai') {
    return {
      input: line(u.uncachedInput + u.cacheWrite, price.input),
      cached_input: line(u.cacheRead, price.cachedInput),
      output: line(u.output, price.output),
    };
  }
  return {
    input: line(u.uncachedInput, price.input),
    cached_input: line(u.cacheRead, price.cachedInput),
    cache_write_5m: line(write5m, price.cacheWrite5m),
    cache_write_1h: line(write1h, price.cacheWrite1h),
    output: line(u.output, price.output),
  };
}

/** The sum of a call's cost lines. */
export function totalCost(lines: CostLines): bigint {
  return Object.values(lines).reduce((sum, v) => sum + (v ?? 0n), 0n);
}

/** Reads a query parameter that may repeat (`group_by=a&group_by=b`, `group_by[]=a`). */
export function listParam(params: URLSearchParams, name: string): string[] {
  return [...params.getAll(name), ...params.getAll(`${name}[]`)].flatMap((v) => v.split(','));
}

/** Encodes where the next page starts; opaque to clients, as the real page tokens are. */
export function pageToken(nextStartMs: number): string {
  return `page_${Buffer.from(String(nextStartMs)).toString('base64url')}`;
}

/** Decodes a page token from {@link pageToken}; undefined for anything else. */
export function readPageToken(token: string | null): number | undefined {
  if (!token?.startsWith('page_')) return undefined;
  const ms = Number(Buffer.from(token.slice(5), 'base64url').toString());
  return Number.isFinite(ms) ? ms : undefined;
}
