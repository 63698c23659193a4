import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

/** The tenant a request was authenticated as, set by {@link apiKeyAuth}. */
export type TenantVariables = { tenant: string };

/** Tenant used when the server runs without keys (loopback only). */
export const OPEN_TENANT = 'default';

/** One configured API key: the tenant it acts for and the hex sha256 of the key. */
export type ApiKeyEntry = { tenant: string; keySha256: string };

/**
 * The keys a middleware accepts: a fixed list, or a function read on every request, so a server
 * that reloads its configuration rotates keys without rebuilding its routes.
 */
export type ApiKeySource = readonly ApiKeyEntry[] | (() => readonly ApiKeyEntry[]);

type HashedKey = { tenant: string; hash: Buffer };

/**
 * Maps `Authorization: Bearer <key>` or `x-tokenwatch-key: <key>` to a tenant by the key's sha256.
 * Without configured keys every request is the `default` tenant. The serve process's admin token
 * (used by the CLI) may act for any tenant, named by the `tenant` query parameter.
 */
export function apiKeyAuth(
  keys: ApiKeySource,
  options: { adminToken?: string } = {},
): MiddlewareHandler<{
  Variables: TenantVariables;
}> {
  const read = typeof keys === 'function' ? keys : () => keys;
  // Decoded once per list: a reload hands over a new array, a request between reloads reuses it.
  let hashedFrom: readonly ApiKeyEntry[] | undefined;
  let hashed: HashedKey[] = [];
  const current = (): HashedKey[] => {
    const list = read();
    if (list !== hashedFrom) {
      hashed = list.map((k) => ({ tenant: k.tenant, hash: Buffer.from(k.keySha256, 'hex') }));
      hashedFrom = list;
    }
    return hashed;
  };
  const admin = options.adminToken
    ? createHash('sha256').update(options.adminToken).digest()
    : undefined;
  return async function apiKeyAuth(c, next) {
    const header = c.req.header('authorization');
    const key = header?.toLowerCase().startsWith('bearer ')
      ? header.slice(7).trim()
      : c.req.header('x-tokenwatch-key');
    if (admin && key && timingSafeEqual(admin, createHash('sha256').update(key).digest())) {
      c.set('tenant', c.req.query('tenant') || OPEN_TENANT);
      return next();
    }
    const byHash = current();
    if (byHash.length === 0) {
      c.set('tenant', OPEN_TENANT);
      return next();
    }
    if (!key)
      throw new HTTPException(401, {
        message: 'missing API key (Authorization: Bearer <key> or x-tokenwatch-key)',
      });
    const hash = createHash('sha256').update(key).digest();
    // Compare against every key in constant time, so timing tells nothing about near misses.
    let tenant: string | undefined;
    for (const entry of byHash) if (timingSafeEqual(entry.hash, hash)) tenant = entry.tenant;
    if (!tenant) throw new HTTPException(401, { message: 'invalid API key' });
    c.set('tenant', tenant);
    return next();
  };
}
