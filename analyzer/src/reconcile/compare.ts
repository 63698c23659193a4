/**
 * The reconcile report: what the providers billed (`provider_usage`) against what Tokenwatch
 * observed (`llm_calls`), over the same UTC buckets.
 *
 * @module
 */
import { Decimal } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import {
  type BilledLine,
  type ObservedHour,
  readBilledLines,
  readObservedHours,
} from './compare-queries.ts';
import { RECONCILE_PROVIDERS, TOKEN_KINDS, type TokenKind } from './lines.ts';

/** What the report groups by. */
export const RECONCILE_BY = ['model', 'day', 'project', 'api_key'] as const;
export type ReconcileBy = (typeof RECONCILE_BY)[number];

/** One group of the report; money as exact decimal strings (USD). */
export type ReconcileRow = {
  provider: string;
  /** The group's value ('' when the export or the call had none; `TOTAL` on a provider's total). */
  key: string;
  /** `live`, or `batch` for Batch/Flex lines, which have no live span to compare with. */
  tier: 'live' | 'batch';
  billed: Record<TokenKind, number> & { requests: number; costUsd: string | null };
  observed: {
    uncachedInput: number;
    cacheRead: number;
    cacheWrite: number;
    output: number;
    calls: number;
    usageMissingCalls: number;
    /** Tokenwatch's computed cost. */
    costUsd: string;
    /** The observed tokens at the provider's own rates (its cost lines over its tokens). */
    atProviderPricesUsd: string;
  };
  /** observed / billed; null when nothing was billed (or, for requests, the export has no count). */
  coverage: { tokens: number | null; cost: number | null; requests: number | null };
  /** Billed, never observed: the billed cost minus the observed tokens at the provider's rates. */
  unexplainedUsd: string | null;
  /** Same tokens, different cost: Tokenwatch's cost minus the provider's for the observed tokens. */
  priceDriftUsd: string;
};

/** The whole report. */
export type ReconcileReport = {
  /** UTC day start the report begins at (the `since` day, as both providers cut buckets). */
  from: string;
  to: string;
  by: ReconcileBy;
  rows: ReconcileRow[];
  /** Per provider and tier, every group together (key `TOTAL`): the headline coverage. */
  totals: ReconcileRow[];
};

const DAY = 86_400;
const HOUR = 3600;
const WIDTH_PREFERENCE = ['1h', '1d', '1m'] as const;

function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY;
}

function isBatch(line: BilledLine): boolean {
  return line.batch === 'true' || line.serviceTier === 'batch' || line.serviceTier === 'flex';
}

/**
 * Provider projects, workspaces and API keys → Tokenwatch projects (tokenwatch.yaml `reconcile`),
 * so a provider's project lines up with the calls attributed to the same project.
 */
export type ProjectMapping = {
  projects: Readonly<Record<string, string>>;
  apiKeys: Readonly<Record<string, string>>;
};

function billedKey(line: BilledLine, by: ReconcileBy, mapping: ProjectMapping | undefined): string {
  if (by === 'model') return line.model;
  if (by === 'project')
    return mapping?.projects[line.project] ?? mapping?.apiKeys[line.apiKey] ?? line.project;
  if (by === 'api_key') return line.apiKey;
  return new Date(dayOf(line.bucketStart) * 1000).toISOString().slice(0, 10);
}

function observedKey(hour: ObservedHour, by: ReconcileBy): string {
  if (by === 'model') return hour.model;
  if (by === 'project') return hour.project;
  // Spans do not carry the API key: observed calls fall under '' until keys are mapped.
  if (by === 'api_key') return '';
  return new Date(dayOf(hour.hour) * 1000).toISOString().slice(0, 10);
}

/**
 * Per provider and UTC day, the one bucket width compared: a day imported both hourly and daily
 * would otherwise be counted twice. Hourly first, since it places calls most precisely.
 */
function chooseWidths(lines: BilledLine[]): Map<string, string> {
  const widths = new Map<string, Set<string>>();
  for (const line of lines) {
    const key = `${line.provider}|${dayOf(line.bucketStart)}`;
    const set = widths.get(key) ?? new Set<string>();
    set.add(line.bucketWidth);
    widths.set(key, set);
  }
  const chosen = new Map<string, string>();
  for (const [key, set] of widths) chosen.set(key, WIDTH_PREFERENCE.find((w) => set.has(w))!);
  return chosen;
}

/** The hours a bucket covers; a partial first bucket (OpenAI) ends on its width's boundary. */
function hoursOf(line: BilledLine): number[] {
  const width = line.bucketWidth === '1d' ? DAY : line.bucketWidth === '1h' ? HOUR : 60;
  const end = (Math.floor(line.bucketStart / width) + 1) * width;
  const hours: number[] = [];
  for (let h = Math.floor(line.bucketStart / HOUR) * HOUR; h < end; h += HOUR) hours.push(h);
  return hours;
}

type Rates = Map<string, Decimal>;
/** Rates are per tier too: Batch is billed at half price, and must not dilute the live rate. */
const rateKey = (provider: string, day: number, model: string, kind: TokenKind, batch = false) =>
  `${provider}|${day}|${model}|${kind}|${batch ? 'batch' : 'live'}`;

/**
 * The provider's own price of each token kind per day and model: the day's cost lines for the
 * kind over the day's billed tokens of that kind. Costs come daily and by line item, so this is
 * how money reaches hourly buckets, projects and keys.
 */
function providerRates(usage: BilledLine[], costs: BilledLine[]): Rates {
  const tokens = new Map<string, number>();
  for (const line of usage)
    for (const kind of TOKEN_KINDS) {
      const key = rateKey(line.provider, dayOf(line.bucketStart), line.model, kind, isBatch(line));
      tokens.set(key, (tokens.get(key) ?? 0) + line.tokens[kind]);
    }
  const money = new Map<string, Decimal>();
  for (const line of costs) {
    if (!line.costKind) continue;
    const key = rateKey(
      line.provider,
      dayOf(line.bucketStart),
      line.model,
      line.costKind,
      isBatch(line),
    );
    money.set(key, (money.get(key) ?? Decimal.ZERO).plus(line.costUsd));
  }
  const rates: Rates = new Map();
  for (const [key, cost] of money) {
    const n = tokens.get(key) ?? 0;
    if (n > 0) rates.set(key, cost.dividedBy(Decimal.from(n)));
  }
  return rates;
}

type Acc = {
  row: ReconcileRow;
  billedCost: Decimal | null;
  observedCost: Decimal;
  atProvider: Decimal;
  /** Tokenwatch's cost of the observed tokens that had a provider rate (for the drift). */
  ratedObservedCost: Decimal;
};

function emptyAcc(provider: string, key: string, tier: 'live' | 'batch'): Acc {
  return {
    row: {
      provider,
      key,
      tier,
      billed: {
        uncached_input: 0,
        cache_read: 0,
        cache_write_5m: 0,
        cache_write_1h: 0,
        output: 0,
        requests: 0,
        costUsd: null,
      },
      observed: {
        uncachedInput: 0,
        cacheRead: 0,
        cacheWrite: 0,
        output: 0,
        calls: 0,
        usageMissingCalls: 0,
        costUsd: '0',
        atProviderPricesUsd: '0',
      },
      coverage: { tokens: null, cost: null, requests: null },
      unexplainedUsd: null,
      priceDriftUsd: '0',
    },
    billedCost: null,
    observedCost: Decimal.ZERO,
    atProvider: Decimal.ZERO,
    ratedObservedCost: Decimal.ZERO,
  };
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function finish(acc: Acc): ReconcileRow {
  const { row } = acc;
  const billedTokens = TOKEN_KINDS.reduce((s, k) => s + row.billed[k], 0);
  const o = row.observed;
  const observedTokens = o.uncachedInput + o.cacheRead + o.cacheWrite + o.output;
  row.billed.costUsd = acc.billedCost?.round().toString() ?? null;
  o.costUsd = acc.observedCost.round().toString();
  o.atProviderPricesUsd = acc.atProvider.round().toString();
  row.coverage = {
    tokens: ratio(observedTokens, billedTokens),
    cost:
      acc.billedCost && !acc.billedCost.isZero()
        ? Number(acc.atProvider.dividedBy(acc.billedCost).format(12))
        : null,
    requests: ratio(o.calls, row.billed.requests),
  };
  row.unexplainedUsd = acc.billedCost
    ? acc.billedCost.minus(acc.atProvider).round().toString()
    : null;
  row.priceDriftUsd = acc.ratedObservedCost.minus(acc.atProvider).round().toString();
  return row;
}

/**
 * Builds the report for `[from, to)`, `from` snapped to its UTC day. Only hours an export covered
 * are compared, each provider and day at one bucket width.
 */
export async function getReconcileReport(
  store: Store,
  params: { tenant: string; from: Date; to: Date; by: ReconcileBy; mapping?: ProjectMapping },
): Promise<ReconcileReport> {
  const fromSec = dayOf(Math.floor(params.from.getTime() / 1000));
  const toSec = Math.ceil(params.to.getTime() / 1000);
  const all = await readBilledLines(store, params.tenant, fromSec, toSec);
  const widths = chooseWidths(all);
  const lines = all.filter(
    (l) => widths.get(`${l.provider}|${dayOf(l.bucketStart)}`) === l.bucketWidth,
  );
  // Cost exports are daily whatever width the usage was imported at.
  const costs = all.filter((l) => l.lineKind === 'cost');
  const usage = lines.filter((l) => l.lineKind === 'usage');
  const covered = new Set<string>();
  for (const l of lines)
    if (l.lineKind !== 'cost') for (const h of hoursOf(l)) covered.add(`${l.provider}|${h}`);
  const rates = providerRates(usage, costs);

  const groups = new Map<string, Acc>();
  const acc = (provider: string, key: string, tier: 'live' | 'batch') => {
    const id = JSON.stringify([provider, tier, key]);
    const seen = groups.get(id);
    if (seen) return seen;
    const created = emptyAcc(provider, key, tier);
    groups.set(id, created);
    return created;
  };

  for (const line of usage) {
    const key = billedKey(line, params.by, params.mapping);
    const a = acc(line.provider, key, isBatch(line) ? 'batch' : 'live');
    const day = dayOf(line.bucketStart);
    for (const kind of TOKEN_KINDS) {
      a.row.billed[kind] += line.tokens[kind];
      const rate = rates.get(rateKey(line.provider, day, line.model, kind, isBatch(line)));
      if (rate && line.tokens[kind] > 0)
        a.billedCost = (a.billedCost ?? Decimal.ZERO).plus(rate.timesInteger(line.tokens[kind]));
    }
    a.row.billed.requests += line.requests;
  }

  const observed = await readObservedHours(store, params.tenant, fromSec, toSec, [
    ...RECONCILE_PROVIDERS,
  ]);
  for (const hour of observed) {
    if (!covered.has(`${hour.provider}|${hour.hour}`)) continue;
    const a = acc(hour.provider, observedKey(hour, params.by), 'live');
    const o = a.row.observed;
    o.uncachedInput += hour.uncachedInput;
    o.cacheRead += hour.cacheRead;
    o.cacheWrite += hour.cacheWrite;
    o.output += hour.output;
    o.calls += hour.calls;
    o.usageMissingCalls += hour.usageMissingCalls;
    a.observedCost = a.observedCost.plus(hour.cost);
    const day = dayOf(hour.hour);
    const rate = (kind: TokenKind) => rates.get(rateKey(hour.provider, day, hour.model, kind));
    // Observed cache writes are not split by TTL: priced at the provider's blended write rate.
    const writeRate = blendedWriteRate(rates, hour.provider, day, hour.model, usage);
    const parts: [number, Decimal | undefined][] = [
      [hour.uncachedInput, rate('uncached_input')],
      [hour.cacheRead, rate('cache_read')],
      [hour.cacheWrite, writeRate],
      [hour.output, rate('output')],
    ];
    const rated = parts.every(([n, r]) => n === 0 || r !== undefined);
    const atProvider = parts.reduce(
      (sum, [n, r]) => (r && n > 0 ? sum.plus(r.timesInteger(n)) : sum),
      Decimal.ZERO,
    );
    // Without a provider rate the provider's price of these tokens is unknown: Tokenwatch's own
    // cost stands in, so they count as explained and show no drift.
    a.atProvider = a.atProvider.plus(rated ? atProvider : hour.cost);
    if (rated) a.ratedObservedCost = a.ratedObservedCost.plus(hour.cost);
  }

  // Totals first: finish() writes the accumulated money into the rows it is given.
  const totals = totalsOf([...groups.values()]).map(finish);
  const rows = [...groups.values()].map(finish);
  rows.sort(
    (x, y) =>
      x.provider.localeCompare(y.provider) ||
      x.tier.localeCompare(y.tier) ||
      x.key.localeCompare(y.key),
  );
  return {
    from: new Date(fromSec * 1000).toISOString(),
    to: params.to.toISOString(),
    by: params.by,
    rows,
    totals,
  };
}

/** One total per provider and tier, summed from its groups (accumulators left untouched). */
function totalsOf(accs: Acc[]): Acc[] {
  const totals = new Map<string, Acc>();
  for (const a of accs) {
    const id = `${a.row.provider}|${a.row.tier}`;
    let t = totals.get(id);
    if (!t) {
      t = emptyAcc(a.row.provider, 'TOTAL', a.row.tier);
      totals.set(id, t);
    }
    for (const kind of TOKEN_KINDS) t.row.billed[kind] += a.row.billed[kind];
    t.row.billed.requests += a.row.billed.requests;
    const o = t.row.observed;
    o.uncachedInput += a.row.observed.uncachedInput;
    o.cacheRead += a.row.observed.cacheRead;
    o.cacheWrite += a.row.observed.cacheWrite;
    o.output += a.row.observed.output;
    o.calls += a.row.observed.calls;
    o.usageMissingCalls += a.row.observed.usageMissingCalls;
    if (a.billedCost) t.billedCost = (t.billedCost ?? Decimal.ZERO).plus(a.billedCost);
    t.observedCost = t.observedCost.plus(a.observedCost);
    t.atProvider = t.atProvider.plus(a.atProvider);
    t.ratedObservedCost = t.ratedObservedCost.plus(a.ratedObservedCost);
  }
  return [...totals.values()].sort(
    (x, y) => x.row.provider.localeCompare(y.row.provider) || x.row.tier.localeCompare(y.row.tier),
  );
}

/** The provider's price of a cache write of either TTL, weighted by the day's billed writes. */
function blendedWriteRate(
  rates: Rates,
  provider: string,
  day: number,
  model: string,
  usage: BilledLine[],
): Decimal | undefined {
  const r5 = rates.get(rateKey(provider, day, model, 'cache_write_5m'));
  const r1 = rates.get(rateKey(provider, day, model, 'cache_write_1h'));
  if (!r1) return r5;
  if (!r5) return r1;
  let n5 = 0;
  let n1 = 0;
  for (const l of usage)
    if (l.provider === provider && l.model === model && dayOf(l.bucketStart) === day) {
      n5 += l.tokens.cache_write_5m;
      n1 += l.tokens.cache_write_1h;
    }
  return r5
    .timesInteger(n5)
    .plus(r1.timesInteger(n1))
    .dividedBy(Decimal.from(n5 + n1));
}
