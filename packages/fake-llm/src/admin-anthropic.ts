/**
 * Anthropic's Admin API usage and cost reports (`GET /v1/organizations/usage_report/messages`,
 * `GET /v1/organizations/cost_report`), computed from the calls the fake answered.
 *
 * @module
 */
import { checkAdminKey } from './admin-openai.ts';
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
  WIDTH_MS,
} from './usage-ledger.ts';

const LIMITS: Readonly<Record<string, { default: number; max: number }>> = {
  '1m': { default: 60, max: 1440 },
  '1h': { default: 24, max: 168 },
  '1d': { default: 7, max: 31 },
};

const USAGE_GROUPS = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window'];

function badRequest(ctx: RouteContext, message: string): undefined {
  sendError(ctx.res, 'anthropic', { status: 400, message }, 'req_admin');
  return undefined;
}

/** RFC 3339 without milliseconds, as the reports write their bucket bounds. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * The buckets of one page: `starting_at` snapped down to the width's UTC start (Anthropic snaps,
 * unlike OpenAI), up to `ending_at` (default now).
 */
function window(ctx: RouteContext, width: string, limits: { default: number; max: number }) {
  const q = ctx.query;
  const startText = q.get('starting_at');
  const start = startText ? Date.parse(startText) : Number.NaN;
  if (Number.isNaN(start)) return badRequest(ctx, 'starting_at: Field required');
  const widthMs = WIDTH_MS[width]!;
  const endText = q.get('ending_at');
  const end = endText ? Date.parse(endText) : ctx.fake.now();
  const limit = q.get('limit') ? Number(q.get('limit')) : limits.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max)
    return badRequest(ctx, `limit: Input should be less than or equal to ${limits.max}`);
  const from = readPageToken(q.get('page')) ?? Math.floor(start / widthMs) * widthMs;
  const all = cutBuckets(from, Math.ceil(end / widthMs) * widthMs, widthMs);
  const next = all[limit];
  return {
    buckets: all.slice(0, limit),
    hasMore: next !== undefined,
    nextPage: next ? pageToken(next.start) : null,
  };
}

function calls(ctx: RouteContext, bucket: Bucket): BilledCall[] {
  const q = ctx.query;
  const models = listParam(q, 'models');
  const keys = listParam(q, 'api_key_ids');
  return ctx.fake.ledger.calls.filter(
    (c) =>
      c.provider === 'anthropic' &&
      c.time >= bucket.start &&
      c.time < bucket.end &&
      (models.length === 0 || models.includes(c.model)) &&
      (keys.length === 0 || (c.apiKeyId !== null && keys.includes(c.apiKeyId))),
  );
}

function dimension(call: BilledCall, name: string): string | null {
  if (name === 'api_key_id') return call.apiKeyId;
  if (name === 'workspace_id') return call.projectId;
  if (name === 'model') return call.model;
  if (name === 'service_tier') return call.serviceTier;
  if (name === 'context_window') return '0-200k';
  return null;
}

/** `GET /v1/organizations/usage_report/messages`. */
export const anthropicUsageRoute: Route = {
  method: 'GET',
  path: '/v1/organizations/usage_report/messages',
  provider: 'anthropic',
  billed: false,
  handle(ctx) {
    if (!checkAdminKey(ctx, 'anthropic')) return undefined;
    const width = ctx.query.get('bucket_width') ?? '1d';
    const limits = LIMITS[width];
    if (!limits) return badRequest(ctx, `bucket_width: Input should be '1d', '1h' or '1m'`);
    const groups = listParam(ctx.query, 'group_by');
    const unknown = groups.find((g) => !USAGE_GROUPS.includes(g));
    if (unknown) return badRequest(ctx, `group_by: unsupported value '${unknown}'`);
    const w = window(ctx, width, limits);
    if (!w) return undefined;
    const data = w.buckets.map((bucket) => {
      const grouped = groupBy(calls(ctx, bucket), (c) =>
        JSON.stringify(groups.map((g) => dimension(c, g))),
      );
      const results = [...grouped.values()].map((group) => {
        const sum = (f: (c: BilledCall) => number) => group.reduce((s, c) => s + f(c), 0);
        const result: Record<string, unknown> = {
          uncached_input_tokens: sum((c) => c.usage.uncachedInput),
          cache_read_input_tokens: sum((c) => c.usage.cacheRead),
          cache_creation: {
            ephemeral_5m_input_tokens: sum((c) => c.usage.cacheWrite - c.usage.cacheWrite1h),
            ephemeral_1h_input_tokens: sum((c) => c.usage.cacheWrite1h),
          },
          output_tokens: sum((c) => c.usage.output),
          server_tool_use: { web_search_requests: 0 },
          api_key_id: null,
          workspace_id: null,
          model: null,
          service_tier: null,
          context_window: null,
        };
        for (const g of groups) result[g] = dimension(group[0]!, g);
        return result;
      });
      return { starting_at: iso(bucket.start), ending_at: iso(bucket.end), results };
    });
    sendJson(ctx.res, 200, { data, has_more: w.hasMore, next_page: w.nextPage }, ctx.headers);
    return undefined;
  },
};

const TOKEN_TYPES: Readonly<Record<string, string>> = {
  input: 'uncached_input_tokens',
  cached_input: 'cache_read_input_tokens',
  cache_write_5m: 'cache_creation.ephemeral_5m_input_tokens',
  cache_write_1h: 'cache_creation.ephemeral_1h_input_tokens',
  output: 'output_tokens',
};

/** `GET /v1/organizations/cost_report`: daily buckets, amounts as decimal strings in cents. */
export const anthropicCostRoute: Route = {
  method: 'GET',
  path: '/v1/organizations/cost_report',
  provider: 'anthropic',
  billed: false,
  handle(ctx) {
    if (!checkAdminKey(ctx, 'anthropic')) return undefined;
    const width = ctx.query.get('bucket_width') ?? '1d';
    if (width !== '1d') return badRequest(ctx, `bucket_width: Input should be '1d'`);
    const groups = listParam(ctx.query, 'group_by');
    const byDescription = groups.includes('description');
    const byWorkspace = groups.includes('workspace_id');
    const w = window(ctx, width, { default: 7, max: 31 });
    if (!w) return undefined;
    const data = w.buckets.map((bucket) => {
      const lines = calls(ctx, bucket).flatMap((call) =>
        Object.entries(costOf(call, ctx.fake.prices))
          .filter(([, units]) => units !== undefined && units > 0n)
          .map(([part, units]) => ({ call, tokenType: TOKEN_TYPES[part]!, units: units ?? 0n })),
      );
      const key = (l: (typeof lines)[number]) =>
        JSON.stringify([
          byWorkspace ? l.call.projectId : null,
          byDescription ? [l.call.model, l.tokenType, l.call.serviceTier] : null,
        ]);
      const results = [...groupBy(lines, key).values()].map((group) => {
        const first = group[0]!;
        const units = group.reduce((s, l) => s + l.units, 0n);
        return {
          currency: 'USD',
          amount: formatScaled(units, 2),
          workspace_id: byWorkspace ? first.call.projectId : null,
          description: byDescription ? `${first.call.model} ${first.tokenType}` : null,
          cost_type: byDescription ? 'tokens' : null,
          context_window: byDescription ? '0-200k' : null,
          model: byDescription ? first.call.model : null,
          service_tier: byDescription ? first.call.serviceTier : null,
          token_type: byDescription ? first.tokenType : null,
          inference_geo: null,
          speed: null,
        };
      });
      return { starting_at: iso(bucket.start), ending_at: iso(bucket.end), results };
    });
    sendJson(ctx.res, 200, { data, has_more: w.hasMore, next_page: w.nextPage }, ctx.headers);
    return undefined;
  },
};
