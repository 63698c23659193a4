import type { TenantVariables } from '@tokenwatch/auth';
import { SCOPE_FIELDS, type ScopeField } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { compareDecimal } from '../analytics/decimal-text.ts';
import { detectAnomalies, listAnomalyHistory } from '../anomalies/index.ts';
import { type BudgetCheck, type BudgetCounter, evaluateBudgets } from '../budgets/index.ts';
import { parseQuery, rangeOf } from './query-params.ts';
import type { SettingsSource } from './settings.ts';

const AtQuery = z.object({ at: z.coerce.date().optional() });
const AnomaliesQuery = AtQuery.extend({
  since: z.string().optional(),
  until: z.string().optional(),
});
const CheckQuery = z.object(
  Object.fromEntries(SCOPE_FIELDS.map((f) => [f, z.string().optional()])) as Record<
    (typeof SCOPE_FIELDS)[number],
    z.ZodOptional<z.ZodString>
  >,
);

/** `agent:a,team:t` as attribution; a 400 for anything else. */
function parseScope(value: string | undefined): Partial<Record<ScopeField, string>> {
  if (!value) return {};
  const scope: Partial<Record<ScopeField, string>> = {};
  for (const part of value.split(',')) {
    const at = part.indexOf(':');
    const field = part.slice(0, at) as ScopeField;
    if (at <= 0 || !SCOPE_FIELDS.includes(field)) {
      throw new HTTPException(400, {
        message: `scope: expected field:value pairs (${SCOPE_FIELDS.join(', ')}), got ${JSON.stringify(part)}`,
      });
    }
    scope[field] = part.slice(at + 1);
  }
  return scope;
}

/**
 * The tightest budget in one line, for clients that only need a verdict: what is left in USD and
 * in tokens on the tightest budget of each unit, why a call is refused, and when that budget resets.
 */
function summarize(check: BudgetCheck) {
  const tightest = (unit: 'usd' | 'tokens') =>
    check.budgets
      .filter((b) => b.unit === unit)
      .sort((a, b) => compareDecimal(a.remaining, b.remaining))[0];
  const usd = tightest('usd');
  const tokens = tightest('tokens');
  const exhausted = check.budgets.find((b) => b.fraction >= 1);
  const resetting = exhausted ?? usd ?? tokens;
  return {
    remainingUsd: usd?.remaining ?? null,
    remainingTokens: tokens ? Number(tokens.remaining) : null,
    reason: exhausted
      ? `budget ${exhausted.id}${exhausted.instance ? ` (${exhausted.instance})` : ''} is spent`
      : undefined,
    resetAt: resetting?.period.end ?? undefined,
  };
}

/** Tenant-scoped anomaly and budget routes (mounted under /api/v1). */
export function budgetRoutes(deps: {
  store: Store;
  /** The config in effect (it changes when `serve` reloads its config). */
  settings: SettingsSource;
  /** The budget counter in effect: a reload that changes budgets swaps in a new one. */
  counter: () => BudgetCounter;
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
}): Hono<{ Variables: TenantVariables }> {
  const app = new Hono<{ Variables: TenantVariables }>();
  const { store, settings, counter, auth } = deps;

  // `at` (default now): what burns at that moment; `since`/`until`: the anomalies the alert
  // engine recorded in that range, with start, end, peak ratio and cost.
  app.get('/anomalies', auth, async (c) => {
    const q = parseQuery(AnomaliesQuery, c.req.query());
    if (q.since !== undefined || q.until !== undefined) {
      if (q.at) throw new HTTPException(400, { message: 'at: give either at or since/until' });
      const range = rangeOf({ since: q.since ?? '24h', until: q.until });
      const anomalies = await listAnomalyHistory(store, { tenant: c.get('tenant'), ...range });
      return c.json({ range, anomalies });
    }
    const now = q.at ?? new Date();
    const anomalies = await detectAnomalies(store, {
      tenant: c.get('tenant'),
      now,
      config: settings().config.anomalies,
    });
    return c.json({ at: now, anomalies });
  });

  app.get('/budgets', auth, async (c) => {
    const q = parseQuery(AtQuery, c.req.query());
    const now = q.at ?? new Date();
    const { config } = settings();
    const budgets = await evaluateBudgets(store, {
      budgets: config.budgets,
      timezone: config.timezone,
      now,
      tenant: c.get('tenant'),
      record: false,
    });
    return c.json({ at: now, budgets });
  });

  // The instrumentation's remote guard asks here before each call: answered from memory, no query.
  // Attribution comes as fields (`?agent=a&team=t`) or as `?scope=agent:a,team:t`.
  app.get('/budgets/check', auth, (c) => {
    const query = c.req.query();
    const scope = { ...parseQuery(CheckQuery, query), ...parseScope(query.scope) };
    const check = counter().check({ tenant: c.get('tenant'), scope, now: new Date() });
    return c.json({ scope: query.scope ?? '', ...check, ...summarize(check) });
  });
  return app;
}
