/**
 * @module
 * Who is looking. Without API keys (the server then listens on loopback only) everyone is the
 * open tenant, as on the API. With keys, the console asks for one: the key is checked by the
 * API's own middleware, and the browser gets an HttpOnly, SameSite=Strict cookie naming a random
 * session held here, never the key (which is never put in a URL either). A session ends after
 * {@link SESSION_TTL_MS}, on sign-out, or as soon as its key is no longer configured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type ApiKeyEntry, apiKeyAuth, OPEN_TENANT, type TenantVariables } from '@tokenwatch/auth';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** The cookie naming a session. */
export const SESSION_COOKIE = 'tokenwatch_session';

/** How long a session lasts. */
export const SESSION_TTL_MS = 12 * 3_600_000;

type Session = { tenant: string; keySha256: string; expires: number };

/** Sessions of one console. */
export type Sessions = {
  /** The tenant of the request: the open tenant without keys, the session's, or undefined. */
  tenantOf(c: Context): string | undefined;
  /** Whether the console asks for a key (keys are configured). */
  required(): boolean;
  /** Checks a key; on success starts a session and sets its cookie. */
  signIn(c: Context, key: string): Promise<boolean>;
  signOut(c: Context): void;
};

/** Sessions over the keys configured now (read on every request, so reloads apply at once). */
export function createSessions(keys: () => readonly ApiKeyEntry[]): Sessions {
  const sessions = new Map<string, Session>();
  // The API's middleware decides what a key is worth, so the console accepts exactly the keys
  // the API accepts, compared the same way.
  const check = new Hono<{ Variables: TenantVariables }>();
  check.get('/', apiKeyAuth(keys), (c) => c.text(c.get('tenant')));
  const live = (s: Session) =>
    s.expires > Date.now() &&
    keys().some((k) => k.tenant === s.tenant && k.keySha256 === s.keySha256);
  return {
    required: () => keys().length > 0,
    tenantOf(c) {
      if (keys().length === 0) return OPEN_TENANT;
      const id = getCookie(c, SESSION_COOKIE);
      const session = id ? sessions.get(id) : undefined;
      if (!session) return undefined;
      if (!live(session)) {
        sessions.delete(id!);
        return undefined;
      }
      return session.tenant;
    },
    async signIn(c, key) {
      if (key === '') return false;
      const answer = await check.request('/', { headers: { authorization: `Bearer ${key}` } });
      if (answer.status !== 200) return false;
      for (const [id, s] of sessions) if (!live(s)) sessions.delete(id);
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, {
        tenant: await answer.text(),
        keySha256: createHash('sha256').update(key).digest('hex'),
        expires: Date.now() + SESSION_TTL_MS,
      });
      setCookie(c, SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: SESSION_TTL_MS / 1000,
      });
      return true;
    },
    signOut(c) {
      const id = getCookie(c, SESSION_COOKIE);
      if (id) sessions.delete(id);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
    },
  };
}
