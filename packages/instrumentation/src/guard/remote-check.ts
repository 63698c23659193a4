/**
 * @module
 * The remote budget check: shared budgets (team, feature, user, agent) live in the Tokenwatch
 * analyzer, which answers `GET /api/v1/budgets/check?scope=<scope>`. Answers are cached per scope
 * for a short time so a busy agent asks at most once per scope per TTL; concurrent calls share one
 * request.
 */
import { diag } from '@opentelemetry/api';
import { Decimal } from '@tokenwatch/pricing';
import { isRecord, readString } from '../json.ts';
import type { Attribution, RemoteBudgetCheckResponse, RemoteCheckOptions } from '../types.ts';

/** Defaults of {@link RemoteCheckOptions}. */
export const DEFAULT_REMOTE_TTL_MS = 5_000;
export const DEFAULT_REMOTE_TIMEOUT_MS = 1_000;

/** The verdict over every scope of a call. */
export type RemoteVerdict = {
  /** A scope that refuses, with its reason. */
  refusedBy: { scope: string; reason: string } | undefined;
  /** Scopes that could not be asked (endpoint down, timeout, garbage). */
  unavailable: string[];
  /** The tightest remaining amounts over the scopes that state one. */
  remainingTokens: number | undefined;
  remainingUsd: Decimal | undefined;
  /** The scope the tightest amounts come from, for error messages. */
  tightestScope: string | undefined;
};

type Entry = {
  expiresAt: number;
  value: Promise<RemoteBudgetCheckResponse | undefined>;
  settled: RemoteBudgetCheckResponse | undefined | 'pending';
};

const cache = new Map<string, Entry>();

/** Forgets every cached answer (tests, configuration changes). */
export function clearRemoteCache(): void {
  cache.clear();
}

/** The default scopes: one per attribution dimension that is set. */
export function defaultScopes(attribution: Readonly<Attribution>): string[] {
  const scopes: string[] = [];
  if (attribution.team) scopes.push(`team:${attribution.team}`);
  if (attribution.feature) scopes.push(`feature:${attribution.feature}`);
  if (attribution.project) scopes.push(`project:${attribution.project}`);
  if (attribution.user) scopes.push(`user:${attribution.user}`);
  if (attribution.agent) scopes.push(`agent:${attribution.agent}`);
  return scopes;
}

/** Validates an answer by hand: this package ships in applications, without zod. */
export function parseCheckResponse(body: unknown): RemoteBudgetCheckResponse | undefined {
  if (!isRecord(body) || typeof body.allowed !== 'boolean') return undefined;
  const { remainingUsd, remainingTokens } = body;
  if (
    remainingUsd !== undefined &&
    remainingUsd !== null &&
    (typeof remainingUsd === 'number' ? !Number.isFinite(remainingUsd) : !isDecimal(remainingUsd))
  ) {
    return undefined;
  }
  if (
    remainingTokens !== undefined &&
    remainingTokens !== null &&
    !(typeof remainingTokens === 'number' && Number.isFinite(remainingTokens))
  ) {
    return undefined;
  }
  return {
    scope: readString(body.scope) ?? '',
    allowed: body.allowed,
    remainingUsd: remainingUsd as string | number | null | undefined,
    remainingTokens: remainingTokens as number | null | undefined,
    reason: readString(body.reason),
    resetAt: readString(body.resetAt),
  };
}

function isDecimal(value: unknown): boolean {
  return typeof value === 'string' && Decimal.tryFrom(value) !== undefined;
}

async function fetchAnswer(
  options: RemoteCheckOptions,
  scope: string,
): Promise<RemoteBudgetCheckResponse | undefined> {
  const url = new URL('/api/v1/budgets/check', options.url);
  url.searchParams.set('scope', scope);
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS),
    });
    if (!response.ok) {
      diag.warn(`tokenwatch: budget check for ${scope} answered HTTP ${response.status}`);
      await response.body?.cancel();
      return undefined;
    }
    const parsed = parseCheckResponse(await response.json());
    if (!parsed) diag.warn(`tokenwatch: budget check for ${scope} answered an unexpected body`);
    return parsed;
  } catch (err) {
    diag.warn(`tokenwatch: budget check for ${scope} failed: ${(err as Error).message}`);
    return undefined;
  }
}

function entryFor(options: RemoteCheckOptions, scope: string, now: number): Entry {
  const key = `${options.url}\n${scope}`;
  const cached = cache.get(key);
  if (cached && cached.expiresAt > now) return cached;
  const entry: Entry = {
    expiresAt: now + (options.cacheTtlMs ?? DEFAULT_REMOTE_TTL_MS),
    value: fetchAnswer(options, scope),
    settled: 'pending',
  };
  entry.value.then((value) => {
    entry.settled = value;
  });
  cache.set(key, entry);
  return entry;
}

function combine(
  scopes: readonly string[],
  answers: readonly (RemoteBudgetCheckResponse | undefined)[],
): RemoteVerdict {
  const verdict: RemoteVerdict = {
    refusedBy: undefined,
    unavailable: [],
    remainingTokens: undefined,
    remainingUsd: undefined,
    tightestScope: undefined,
  };
  answers.forEach((answer, i) => {
    const scope = scopes[i]!;
    if (!answer) {
      verdict.unavailable.push(scope);
      return;
    }
    if (!answer.allowed && !verdict.refusedBy) {
      verdict.refusedBy = { scope, reason: answer.reason ?? 'budget exhausted' };
    }
    if (typeof answer.remainingTokens === 'number') {
      if (
        verdict.remainingTokens === undefined ||
        answer.remainingTokens < verdict.remainingTokens
      ) {
        verdict.remainingTokens = answer.remainingTokens;
        verdict.tightestScope = scope;
      }
    }
    if (answer.remainingUsd !== undefined && answer.remainingUsd !== null) {
      const remaining = Decimal.from(answer.remainingUsd);
      if (verdict.remainingUsd === undefined || remaining.compare(verdict.remainingUsd) < 0) {
        verdict.remainingUsd = remaining;
        verdict.tightestScope = scope;
      }
    }
  });
  return verdict;
}

/**
 * The verdict for `scopes`: synchronous when every answer is cached, else a promise. Never
 * rejects: an unreachable endpoint shows as `unavailable` scopes.
 */
export function checkRemote(
  options: RemoteCheckOptions,
  scopes: readonly string[],
  now: number = Date.now(),
): RemoteVerdict | Promise<RemoteVerdict> {
  const entries = scopes.map((scope) => entryFor(options, scope, now));
  if (entries.every((entry) => entry.settled !== 'pending')) {
    return combine(
      scopes,
      entries.map((entry) => entry.settled as RemoteBudgetCheckResponse | undefined),
    );
  }
  return Promise.all(entries.map((entry) => entry.value)).then((answers) =>
    combine(scopes, answers),
  );
}
