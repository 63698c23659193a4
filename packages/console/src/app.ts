import { type AlertEngine, inProcessReadClient, ReadQueryError } from '@tokenwatch/analyzer';
import type { Config } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { type Context, Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { loadAssets } from './assets.ts';
import type { PageContext, RenderedPage } from './context.ts';
import { page, type Viewer } from './layout.ts';
import { explorePage } from './pages/explore.ts';
import { exploreDownload } from './pages/explore-download.ts';
import { overviewPage } from './pages/overview.ts';
import { anomaliesPage, budgetsPage, cachePage, failuresPage } from './pages/read-pages.ts';
import { spanPage } from './pages/span.ts';
import { taskPage, tasksPage } from './pages/tasks.ts';
import { weeklyDocument, weeklyPage } from './pages/weekly.ts';
import { createSessions } from './session.ts';

/** What the console reads from: the serve process's store and settings in effect. */
export type ConsoleDeps = {
  store: Store;
  /** The config and pricer in effect, read per request (serve swaps them on reload). */
  settings: () => { config: Config; pricer: Pricer };
  /** The serve process's alert engine, whose open alerts are fresher than the store's. */
  alerts?: () => AlertEngine;
  /** Bytes acknowledged but not yet stored (serve's spool lag), shown as data freshness. */
  backlogBytes?: () => Promise<number>;
  /** @default () => new Date() */
  now?: () => Date;
};

// Nothing but this origin: no script, style, font or image from elsewhere, no inline script.
const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'self'"],
};

// The weekly report is a self-contained document with its own <style>; it runs no script.
const REPORT_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  imgSrc: ['data:'],
  frameAncestors: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};
const WEEKLY_DOCUMENT = '/reports/weekly';

type PageHandler = (ctx: PageContext) => Promise<RenderedPage> | RenderedPage;

/**
 * The read-only web console `tokenwatch serve` mounts at `/`: server-rendered pages over the read
 * contract's in-process client (the same answers as `/api/v1`), for the tenant of the viewer's
 * key, or the open tenant when no keys are configured.
 */
export function createConsoleApp(deps: ConsoleDeps): Hono {
  const now = deps.now ?? (() => new Date());
  const sessions = createSessions(() => deps.settings().config.apiKeys);
  const assets = loadAssets();
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  const headers = (contentSecurityPolicy: Record<string, string[]>) =>
    secureHeaders({
      contentSecurityPolicy,
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'SAMEORIGIN',
    });
  const consoleHeaders = headers(CSP);
  const reportHeaders = headers(REPORT_CSP);
  app.use('*', (c, next) =>
    c.req.path === WEEKLY_DOCUMENT ? reportHeaders(c, next) : consoleHeaders(c, next),
  );

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, {
      'content-type': asset.contentType,
      'cache-control': 'no-cache',
    });
  });

  // The forms that change the session are accepted from this origin only (Origin or
  // Sec-Fetch-Site): another site can neither sign a viewer in with its own key nor out.
  app.use('/login', csrf());
  app.use('/logout', csrf());
  app.get('/login', (c) => c.html(loginPage(c.req.query('failed') !== undefined)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    if (await sessions.signIn(c, key)) return c.redirect('/', 303);
    return c.html(loginPage(true), 401);
  });
  app.post('/logout', (c) => {
    sessions.signOut(c);
    return c.redirect('/login', 303);
  });

  const context = (c: Context, tenant: string): PageContext => {
    const settings = deps.settings();
    // The spool is the server's, shared by every tenant: only shown when there is one.
    const shared = settings.config.apiKeys.length > 0;
    return {
      now: now(),
      backlogBytes: shared ? undefined : deps.backlogBytes,
      reads: inProcessReadClient({
        store: deps.store,
        settings,
        tenant,
        alerts: deps.alerts?.(),
        now,
      }),
      params: c.req.query(),
      config: settings.config,
      timezone: settings.config.timezone,
    };
  };
  const viewer = (tenant: string, ctx: PageContext): Viewer => ({
    tenant,
    timezone: ctx.timezone,
    signedIn: sessions.required(),
  });

  /** Runs `handler` for the signed-in tenant; sends the viewer to sign in first when needed. */
  const guarded =
    (respond: (c: Context, tenant: string) => Promise<Response>) => async (c: Context) => {
      const tenant = sessions.tenantOf(c);
      if (tenant === undefined) return c.redirect('/login', 303);
      try {
        return await respond(c, tenant);
      } catch (err) {
        if (!(err instanceof ReadQueryError)) throw err;
        // A URL with a parameter the read refuses: say which, on the page.
        const ctx = context(c, tenant);
        return c.html(
          page({
            title: 'Cannot show this',
            path: c.req.path,
            viewer: viewer(tenant, ctx),
            body: html`<p class="error" role="alert">${err.message}</p>`,
          }),
          400,
        );
      }
    };
  const pageRoute = (path: string, handler: PageHandler) =>
    app.get(
      path,
      guarded(async (c, tenant) => {
        const ctx = context(c, tenant);
        const rendered = await handler(ctx);
        return c.html(
          page({ title: rendered.title, path, viewer: viewer(tenant, ctx), body: rendered.body }),
          rendered.status ?? 200,
        );
      }),
    );

  pageRoute('/', overviewPage);
  pageRoute('/explore', explorePage);
  pageRoute('/tasks', tasksPage);
  pageRoute('/task', taskPage);
  pageRoute('/span', spanPage);
  pageRoute('/cache', cachePage);
  pageRoute('/failures', failuresPage);
  pageRoute('/anomalies', anomaliesPage);
  pageRoute('/budgets', budgetsPage);
  pageRoute('/reports', (ctx) => weeklyPage(ctx, now()));
  app.get(
    WEEKLY_DOCUMENT,
    guarded(async (c, tenant) => c.html(await weeklyDocument(context(c, tenant)))),
  );
  for (const format of ['csv', 'json'] as const)
    app.get(
      `/explore/download.${format}`,
      guarded(async (c, tenant) => exploreDownload(c, context(c, tenant), format)),
    );
  // A page that fails says so as a page (the API's errors are JSON); the cause goes to the log.
  app.onError((err, c) => {
    // Refusals (the CSRF check's 403) keep their status and text.
    if (err instanceof HTTPException) return err.getResponse();
    console.error('tokenwatch: console page failed', err);
    return c.html(
      page({
        title: 'Something went wrong',
        path: c.req.path,
        body: html`<p class="error" role="alert">This page could not be read from the store. The server's log says why; try again in a moment.</p>`,
      }),
      500,
    );
  });
  return app;
}

function loginPage(failed: boolean) {
  return page({
    title: 'Sign in',
    path: '/login',
    body: html`<form method="post" action="/login" class="login">
<p>This server has API keys: sign in with one to see its tenant's spend.</p>
<label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>${failed ? html`<p class="error" role="alert">That key is not accepted.</p>` : ''}</form>`,
  });
}
