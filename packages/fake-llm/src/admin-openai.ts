/**
 * OpenAI's organization usage and cost exports (`GET /v1/organization/usage/completions`,
 * `GET /v1/organization/costs`), computed from the calls the fake answered, so a test can compare
 * what an agent observed with what the provider would bill.
 *
 * @module
 */
import { sendError } from './errors.ts';
import { sendJson } from './http-io.ts';
import type { Route, RouteContext } from './route.ts';
import {
  type BilledCall,
  type Bucket,
  costOf,
  cutBuckets,
  formatScaled,
  groupBy,
  listParam,
  pageToken,
  readPageToken,
  requestApiKey,
  WIDTH_MS,
} from './usage-ledger.ts';

/** Default and maximum buckets per page, per width, as OpenAI documents them. */
const USAGE_LIMITS: Readonly<Record<string, { default: number; max: number }>> = {
  '1m': { default: 60, max: 1440 },
  '1h': { default: 24, max: 168 },
  '1d': { default: 7, max: 31 },
};

const USAGE_GROUPS = ['project_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;
const COST_GROUPS = ['project_id', 'line_item', 'api_key_id'] as const;

/** The parsed paging window shared by both exports, or an error already sent. */
type Window = { buckets: Bucket[]; hasMore: boolean; nextPage: string | null };

function badRequest(ctx: RouteContext, message: string, param: string): undefined {
  sendError(ctx.res, 'openai', { status: 400, message, code: null }, 'req_admin', { param });
  return undefined;
}

/** Admin endpoints refuse a missing key, and a wrong one when the fake was given its admin key. */
export function checkAdminKey(ctx: RouteContext, provider: 'openai' | 'anthropic'): boolean {
  const given = requestApiKey(provider, ctx.requestHeaders);
  const expected = ctx.fake.adminKey;
  if (given && (expected === undefined || given === expected)) return true;
  sendError(
    ctx.res,
    provider,
    {
      status: 401,
      message: provider === 'openai' ? 'Missing scopes: api.usage.read' : 'invalid x-api-key',
      type: provider === 'openai' ? 'invalid_request_error' : 'authentication_error',
      code: null,
    },
    'req_admin',
  );
  return false;
}

function window(ctx: RouteContext, width: string, limits: { default: number; max: number }) {
  const q = ctx.query;
  const start = Number(q.get('start_time'));
  if (!q.get('start_time') || !Number.isInteger(start))
    return badRequest(ctx, "Missing required parameter: 'start_time'.", 'start_time');
  const end = q.get('end_time') ? Number(q.get('end_time')) * 1000 : ctx.fake.now();
  const limit = q.get('limit') ? Number(q.get('limit')) : limits.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max)
    return badRequest(ctx, `limit must be between 1 and ${limits.max}`, 'limit');
  const from = readPageToken(q.get('page')) ?? start * 1000;
  const all = cutBuckets(from, end, WIDTH_MS[width]!);
  const buckets = all.slice(0, limit);
  const next = all[limit];
  const result: Window = {
    buckets,
    hasMore: next !== undefined,
    nextPage: next ? pageToken(next.start) : null,
  };
  return result;
}

function inBucket(call: BilledCall, bucket: Bucket): boolean {
  return call.provider === 'openai' && call.time >= bucket.start && call.time < bucket.end;
}

/** Applies the list filters (`models`, `project_ids`, `api_key_ids`) of either export. */
function filtered(ctx: RouteContext): BilledCall[] {
  const q = ctx.query;
  const models = listParam(q, 'models');
  const projects = listParam(q, 'project_ids');
  const keys = listParam(q, 'api_key_ids');
  return ctx.fake.ledger.calls.filter(
    (c) =>
      c.provider === 'openai' &&
      (models.length === 0 || models.includes(c.model)) &&
      (projects.length === 0 || (c.projectId !== null && projects.includes(c.projectId))) &&
      (keys.length === 0 || (c.apiKeyId !== null && keys.includes(c.apiKeyId))),
  );
}

function dimension(call: BilledCall, name: string): string | boolean | null {
  if (name === 'project_id') return call.projectId;
  if (name === 'api_key_id') return call.apiKeyId;
  if (name === 'model') return call.model;
  if (name === 'batch') return false; // live calls only; the fake has no Batch API
  if (name === 'service_tier') return call.serviceTier;
  return null;
}

function usageResult(calls: BilledCall[], groups: readonly string[]): Record<string, unknown> {
  const sum = (f: (c: BilledCall) => number) => calls.reduce((s, c) => s + f(c), 0);
  // The fake's OpenAI endpoints bill cache writes as ordinary prompt tokens, so they are uncached.
  const uncached = sum((c) => c.usage.uncachedInput + c.usage.cacheWrite);
  const cached = sum((c) => c.usage.cacheRead);
  const first = calls[0]!;
  const result: Record<string, unknown> = {
    object: 'organization.usage.completions.result',
    input_tokens: uncached + cached,
    input_uncached_tokens: uncached,
    input_cached_tokens: cached,
    input_cache_write_tokens: 0,
    output_tokens: sum((c) => c.usage.output),
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: calls.length,
    project_id: null,
    user_id: null,
    api_key_id: null,
    model: null,
    batch: null,
    service_tier: null,
  };
  for (const g of groups) result[g] = dimension(first, g);
  return result;
}

/** `GET /v1/organization/usage/completions`. */
export const openaiUsageRoute: Route = {
  method: 'GET',
  path: '/v1/organization/usage/completions',
  provider: 'openai',
  billed: false,
  handle(ctx) {
    if (!checkAdminKey(ctx, 'openai')) return;
    const width = ctx.query.get('bucket_width') ?? '1d';
    const limits = USAGE_LIMITS[width];
    if (!limits) return badRequest(ctx, `Invalid bucket_width '${width}'`, 'bucket_width');
    const groups = listParam(ctx.query, 'group_by');
    const unknown = groups.find((g) => !(USAGE_GROUPS as readonly string[]).includes(g));
    if (unknown) return badRequest(ctx, `Invalid group_by '${unknown}'`, 'group_by');
    const w = window(ctx, width, limits);
    if (!w) return undefined;
    const calls = filtered(ctx);
    const data = w.buckets.map((bucket) => {
      const inside = calls.filter((c) => inBucket(c, bucket));
      const grouped = groupBy(inside, (c) => JSON.stringify(groups.map((g) => dimension(c, g))));
      return {
        object: 'bucket',
        start_time: Math.floor(bucket.start / 1000),
        end_time: Math.floor(bucket.end / 1000),
        results: [...grouped.values()].map((group) => usageResult(group, groups)),
      };
    });
    sendJson(
      ctx.res,
      200,
      { object: 'page', data, has_more: w.hasMore, next_page: w.nextPage },
      ctx.headers,
    );
    return undefined;
  },
};

const LINE_NAMES: Readonly<Record<string, string>> = {
  input: 'input',
  cached_input: 'cached input',
  output: 'output',
};

/** `GET /v1/organization/costs`: daily buckets, amounts in dollars. */
export const openaiCostsRoute: Route = {
  method: 'GET',
  path: '/v1/organization/costs',
  provider: 'openai',
  billed: false,
  handle(ctx) {
    if (!checkAdminKey(ctx, 'openai')) return;
    const width = ctx.query.get('bucket_width') ?? '1d';
    if (width !== '1d')
      return badRequest(ctx, 'Costs support only bucket_width 1d', 'bucket_width');
    const groups = listParam(ctx.query, 'group_by');
    const unknown = groups.find((g) => !(COST_GROUPS as readonly string[]).includes(g));
    if (unknown) return badRequest(ctx, `Invalid group_by '${unknown}'`, 'group_by');
    const w = window(ctx, width, { default: 7, max: 180 });
    if (!w) return undefined;
    const byLine = groups.includes('line_item');
    // One entry per priced part of each call, so grouping by line item is a plain group-by.
    const lines = filtered(ctx).flatMap((call) =>
      Object.entries(costOf(call, ctx.fake.prices)).map(([part, units]) => ({
        call,
        item: `${call.model}, ${LINE_NAMES[part]}`,
        units: units ?? 0n,
        tokens:
          part === 'input'
            ? call.usage.uncachedInput + call.usage.cacheWrite
            : part === 'cached_input'
              ? call.usage.cacheRead
              : call.usage.output,
      })),
    );
    const data = w.buckets.map((bucket) => {
      const inside = lines.filter((l) => inBucket(l.call, bucket));
      const key = (l: (typeof lines)[number]) =>
        JSON.stringify([
          groups.includes('project_id') ? l.call.projectId : null,
          groups.includes('api_key_id') ? l.call.apiKeyId : null,
          byLine ? l.item : null,
        ]);
      const results = [...groupBy(inside, key).values()].map((group) => {
        const first = group[0]!;
        const units = group.reduce((s, l) => s + l.units, 0n);
        return {
          object: 'organization.costs.result',
          amount: { value: Number(formatScaled(units)), currency: 'usd' },
          line_item: byLine ? first.item : null,
          project_id: groups.includes('project_id') ? first.call.projectId : null,
          api_key_id: groups.includes('api_key_id') ? first.call.apiKeyId : null,
          quantity: byLine ? group.reduce((s, l) => s + l.tokens, 0) : null,
          quantity_unit: byLine ? 'tokens' : null,
        };
      });
      return {
        object: 'bucket',
        start_time: Math.floor(bucket.start / 1000),
        end_time: Math.floor(bucket.end / 1000),
        results,
      };
    });
    sendJson(
      ctx.res,
      200,
      { object: 'page', data, has_more: w.hasMore, next_page: w.nextPage },
      ctx.headers,
    );
    return undefined;
  },
};
