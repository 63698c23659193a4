import type { TenantVariables } from '@tokenwatch/auth';
import { SCOPE_FIELDS, type ScopeField } from '@tokenwatch/config';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { compareDecimal } from '../analytics/decimal-text.ts';
import type { BudgetCheck, BudgetCounter } from '../budgets/index.ts';
import { parseQuery } from './query-params.ts';

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

/** The budget check the instrumentation's remote guard asks before each call (under /api/v1). */
export function budgetRoutes(deps: {
  /** The budget counter in effect: a reload that changes budgets swaps in a new one. */
  counter: () => BudgetCounter;
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
}): Hono<{ Variables: TenantVariables }> {
  const app = new Hono<{ Variables: TenantVariables }>();
  const { counter, auth } = deps;

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
