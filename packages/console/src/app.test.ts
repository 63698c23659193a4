import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import {
  type AnyRead,
  alertHistoryRead,
  budgetsRead,
  cacheRead,
  createAnalyzer,
  failuresRead,
} from '@tokenwatch/analyzer';
import { createPricer } from '@tokenwatch/pricing';
import { insertOtelSpans, nsToDateTime64 } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEYS,
  SEEDED,
  type SeededSpan,
  seedConsoleData,
  testConfig,
} from '../test/support/seed.ts';
import { createConsoleApp } from './app.ts';
import { SHIPPED_SCRIPTS } from './assets.ts';
import { localTime } from './format.ts';
import { PAGES } from './layout.ts';
import { SESSION_COOKIE } from './session.ts';

const JS_BUDGET_GZIP = 300 * 1024;

/** The serve process's arrangement: the API under /api/v1, the console at / (mounted last). */
function serveLike(t: TestStore, withKeys: boolean) {
  const config = testConfig(withKeys);
  const settings = { config, pricer: createPricer() };
  const app = new Hono();
  const analyzer = createAnalyzer({ store: t.store, config });
  app.route('/', analyzer.app);
  app.route(
    '/',
    createConsoleApp({ store: t.store, settings: () => settings, backlogBytes: async () => 1234 }),
  );
  return app;
}

/** The exact amount a page shows under `data-testid`. */
function shown(page: string, testId: string): string | undefined {
  return new RegExp(`data-value="([^"]+)" data-testid="${testId}"`).exec(page)?.[1];
}

describe('the console', () => {
  let t: TestStore;
  let app: Hono;
  let span: SeededSpan;
  beforeAll(async () => {
    t = await openTestStore();
    span = await seedConsoleData(t.store);
    app = serveLike(t, false);
  });
  afterAll(() => t.cleanup());

  const get = async (path: string, init?: RequestInit) => {
    const res = await app.request(path, init);
    return { res, text: await res.text() };
  };
  // The API's answers, with the few fields compared here.
  type Answer = {
    total: { costUsd: string };
    costUsd: string;
    sql: string;
    lastCallAt: string;
  };
  const api = async (path: string) => {
    const res = await app.request(path);
    expect(res.status, path).toBe(200);
    return res.json() as Promise<Answer>;
  };

  it('shows on the overview the spend the API gives, for today, 7 and 30 days', async () => {
    const { res, text } = await get('/');
    expect(res.status).toBe(200);
    for (const since of ['today', '7d', '30d']) {
      const cost = await api(`/api/v1/cost?since=${since}`);
      expect(shown(text, `spend-${since}`), since).toBe(cost.total.costUsd);
    }
    expect(shown(text, 'spend-7d')).toBe(SEEDED.week.costUsd);
    expect(text).toContain('data-testid="top-agent-7d">support<');
    // 30 days hold the older support call too: 6.625 + 4.
    expect(shown(text, 'spend-30d')).toBe('10.625');
    // Burn rate now against normal, by agent, with the anomaly ratio drawn.
    expect(text).toContain(`support: ${SEEDED.supportBurn}× its normal rate`);
    expect(text).toContain('threshold 3×');
    // Freshness: the latest call as the freshness read gives it, and the spool's lag.
    const fresh = await api('/api/v1/freshness');
    expect(text).toContain(`datetime="${fresh.lastCallAt}" data-testid="last-call"`);
    expect(text).toContain('1,234 bytes received are still on their way into the store.');
    expect(text).not.toContain(SEEDED.otherAgent);
  });

  it('serves every page with a strict CSP and nothing from another host', async () => {
    for (const p of [...PAGES.map((p) => p.path), `/task?id=${SEEDED.task.id}`]) {
      const { res, text } = await get(p);
      expect(res.status, p).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, p).toContain("default-src 'none'");
      expect(csp, p).toContain("script-src 'self'");
      expect(csp, p).not.toContain('unsafe');
      // Every src and href points at this origin.
      for (const [, url] of text.matchAll(/(?:src|href|action)="([^"]*)"/g))
        expect(url, `${p}: ${url}`).toMatch(/^(\/|#|\?|$)/);
    }
  });

  it('keeps the JavaScript it ships under 300 KB gzipped, and loads only that', async () => {
    let total = 0;
    for (const name of SHIPPED_SCRIPTS) {
      const { res, text } = await get(`/assets/${name}`);
      expect(res.status).toBe(200);
      expect(text).toBe(readFileSync(new URL(`../assets/${name}`, import.meta.url), 'utf8'));
      total += gzipSync(text, { level: 9 }).length;
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(JS_BUDGET_GZIP);
    const { text } = await get('/');
    const scripts = [...text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(SHIPPED_SCRIPTS.map((name) => `/assets/${name}`));
    expect(text).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('explores by agent and model with a filter, as the API answers the same query', async () => {
    const until = new Date().toISOString();
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const q = `since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`;
    const all = await get(`/explore?${q}&by=agent&then=model`);
    expect(shown(all.text, 'explore-total')).toBe(SEEDED.week.costUsd);
    const filtered = await get(`/explore?${q}&by=agent&then=model&agent=support`);
    expect(shown(filtered.text, 'explore-total')).toBe(SEEDED.support.costUsd);
    expect(filtered.text).toContain(`data-testid="explore-calls">${SEEDED.support.calls}<`);
    expect(filtered.text).not.toContain('>research<');
    // Charted by calls: the segments add up to the calls of the range.
    const calls = await get(`/explore?${q}&by=agent&measure=calls`);
    const segments = [...calls.text.matchAll(/<title>[^<]*: (\d+) calls<\/title>/g)];
    expect(segments.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(SEEDED.week.calls);
    // The download is the API's answer to the same query.
    const json = await (
      await app.request(`/explore/download.json?${q}&by=agent&then=model&agent=support`)
    ).json();
    const fromApi = await api(`/api/v1/cost/series?${q}&by=agent,model&agent=support`);
    expect(json).toEqual(fromApi);
    expect(fromApi.sql).toContain("agent = 'support'");
    expect(filtered.text).toContain('agent = &#39;support&#39;');
    const csv = await (
      await app.request(`/explore/download.csv?${q}&by=agent&then=model&agent=support`)
    ).text();
    expect(csv.split('\r\n')[0]).toBe(
      'agent,model,calls,input,cache_read,cache_write,output,cost_usd,unpriced',
    );
    expect(csv).toContain('support,gpt-4o,3,2600,4000,1000,220,1.75,0');
    expect(csv).toContain('support,gpt-4o-mini,2,0,0,0,0,1.75,0');
  });

  it('lists tasks, filters them by outcome, and shows a task’s calls in order', async () => {
    const tasks = await get('/tasks');
    expect(tasks.text).toContain(SEEDED.task.id);
    expect(tasks.text).toContain(SEEDED.failedTask);
    const failed = await get('/tasks?outcome=failure');
    expect(failed.text).toContain(SEEDED.failedTask);
    expect(failed.text).not.toContain(`id=${SEEDED.task.id}`);
    const task = await get(`/task?id=${SEEDED.task.id}`);
    const fromApi = await api(`/api/v1/task?id=${SEEDED.task.id}`);
    expect(fromApi.costUsd).toBe(SEEDED.task.costUsd);
    expect(shown(task.text, 'task-cost')).toBe(fromApi.costUsd);
    expect(task.text).toContain('data-testid="task-calls">3<');
    const contexts = [...task.text.matchAll(/data-col="context">([\d,]+)</g)].map((m) =>
      Number(m[1]!.replaceAll(',', '')),
    );
    expect(contexts).toEqual(SEEDED.task.contexts);
    expect((await get('/task?id=nothing-here')).res.status).toBe(404);
  });

  // The pages that show a read's tables show the rows the CLI prints from the API's answer.
  it.each([
    ['/cache', cacheRead, '/api/v1/cache'],
    ['/failures', failuresRead, '/api/v1/failures'],
    ['/budgets', budgetsRead, '/api/v1/budgets'],
    ['/anomalies', alertHistoryRead, '/api/v1/alerts/history'],
  ] as const)('%s shows every value of the API’s answer', async (path, read, apiPath) => {
    const page = (await get(path)).text;
    const answer = (read as AnyRead).result.parse(await api(apiPath));
    const tables = (read as AnyRead).print!.tables(answer);
    const cells = tables.flatMap((t) =>
      t.records.flatMap((r) => Object.entries(r).filter(([, v]) => v !== '' && v !== undefined)),
    );
    expect(cells.length).toBeGreaterThan(0);
    for (const [column, value] of cells) {
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value)) {
        // Instants are shown in the configured zone (UTC here), the exact instant in `datetime`.
        // A forecast moves with the clock between the page's request and the API's: the same
        // instant within a minute.
        const shown = new RegExp(
          `data-col="${column}"><time datetime="([^"]+)">([^<]+)</time><`,
        ).exec(page);
        expect(shown, `${path} ${column}`).not.toBeNull();
        const at = new Date(shown![1]!);
        expect(Math.abs(at.getTime() - Date.parse(value)), `${path} ${column}`).toBeLessThan(
          60_000,
        );
        expect(shown![2]).toBe(localTime(at, 'UTC'));
        continue;
      }
      expect(page, `${path} ${column}`).toContain(
        `data-col="${column}">${escapeHtml(String(value))}<`,
      );
    }
  });

  it('shows the budget’s spend against its limit, as the API evaluates it', async () => {
    const page = (await get('/budgets')).text;
    const [budget] = budgetsRead.result.parse(await api('/api/v1/budgets')).budgets;
    expect(budget!.budgetId).toBe('support-daily');
    expect(budget!.limit).toBe('5');
    // A daily budget of support's spends what support spent today.
    const today = (await api('/api/v1/cost?since=today&by=agent')) as unknown as {
      rows: { key: { agent: string }; costUsd: string }[];
    };
    const support = today.rows.find((r) => r.key.agent === 'support')?.costUsd ?? '0';
    expect(Number(budget!.spent)).toBe(Number(support));
    expect(page).toContain(`value="${Math.min(budget!.fraction, 1)}">`);
    expect(page).toContain(`data-value="${budget!.spent}"`);
  });

  it('links each call of a task to its raw span, shown with its attributes', async () => {
    const task = (await get(`/task?id=${SEEDED.task.id}`)).text;
    const link = `/span?trace=${span.trace}&amp;span=${span.span}`;
    expect(task).toContain(`href="${link}"`);
    const page = await get(`/span?trace=${span.trace}&span=${span.span}`);
    expect(page.res.status).toBe(200);
    for (const [key, value] of Object.entries(span.attributes))
      expect(page.text).toContain(
        `data-col="key">${key}</td><td class="${/^\d+$/.test(value) ? 'n' : ''}" data-col="value">${value}<`,
      );
    const fromApi = (await api(
      `/api/v1/span?trace=${span.trace}&span=${span.span}`,
    )) as unknown as {
      span: { spanAttributes: Record<string, string> };
    };
    expect(fromApi.span.spanAttributes).toEqual(span.attributes);
    expect(page.text).toContain('data-testid="span-kept">Raw spans are kept');
    const missing = await get(`/span?trace=${span.trace}&span=${'f'.repeat(16)}`);
    expect(missing.res.status).toBe(404);
    expect(missing.text).toContain('data-testid="span-kept">This span is not in the store');
  });

  it('says when a span was stored lean', async () => {
    // An LLM-call span as the collector keeps it with ingest.raw_llm_spans: lean.
    const lean = 'e'.repeat(16);
    await insertOtelSpans(
      t.store,
      [
        {
          Timestamp: nsToDateTime64(BigInt(Date.now() - 60_000) * 1_000_000n),
          TraceId: span.trace,
          SpanId: lean,
          SpanName: 'chat gpt-4o',
          ServiceName: 'svc',
          SpanAttributes: { 'tokenwatch.span.lean': 'true' },
          TenantId: 'default',
        },
      ],
      'console-lean-span',
    );
    const page = await get(`/span?trace=${span.trace}&span=${lean}`);
    expect(page.res.status).toBe(200);
    expect(page.text).toContain('data-testid="span-kept">This span was stored lean');
  });

  it('says which URL parameter it refuses', async () => {
    const { res, text } = await get('/explore?by=task');
    expect(res.status).toBe(400);
    expect(text).toContain('by: task is not in the per-minute rollup');
  });

  it('shows the weekly report as the report renders it, under a CSP of its own', async () => {
    const { res, text } = await get('/reports/weekly');
    expect(res.status).toBe(200);
    expect(text).toMatch(/^<!doctype html>/i);
    expect(res.headers.get('content-security-policy')).toContain("style-src 'unsafe-inline'");
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
  });
});

describe('the console with API keys', () => {
  let t: TestStore;
  let app: Hono;
  let span: SeededSpan;
  beforeAll(async () => {
    t = await openTestStore();
    span = await seedConsoleData(t.store);
    app = serveLike(t, true);
  });
  afterAll(() => t.cleanup());

  const signIn = (key: string, origin = 'http://localhost') =>
    app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ key }).toString(),
    });

  it('asks for a key before showing anything', async () => {
    for (const path of [
      '/',
      '/explore',
      '/task?id=x',
      '/explore/download.json',
      '/reports/weekly',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/login');
    }
    expect((await signIn('tw_wrong')).status).toBe(401);
    expect((await signIn('')).status).toBe(401);
    // A form posted from another site is refused before the key is looked at.
    const forged = await signIn(KEYS.other, 'http://evil.invalid');
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
  });

  it('shows only the tenant of the key, through an HttpOnly SameSite=Strict session cookie', async () => {
    const res = await signIn(KEYS.other);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain(KEYS.other);
    const session = cookie.split(';')[0]!;
    const page = await (await app.request('/', { headers: { cookie: session } })).text();
    expect(page).toContain('data-testid="tenant">other<');
    expect(page).toContain(SEEDED.otherAgent);
    expect(page).not.toContain('>support<');
    expect(shown(page, 'spend-7d')).toBe('999');
    const alerts = await (await app.request('/anomalies', { headers: { cookie: session } })).text();
    expect(alerts).toContain(SEEDED.otherAlertRule);
    expect(alerts).not.toContain(SEEDED.alertRule);
    const foreign = await app.request(`/span?trace=${span.trace}&span=${span.span}`, {
      headers: { cookie: session },
    });
    expect(foreign.status).toBe(404);
    // The spool is shared by every tenant: its lag is not shown to one of them.
    expect(page).not.toContain('bytes received');
    const explore = await (
      await app.request('/explore?agent=support', { headers: { cookie: session } })
    ).text();
    expect(shown(explore, 'explore-total')).toBe('0');
    // Signing out ends the session.
    await app.request('/logout', {
      method: 'POST',
      headers: { cookie: session, origin: 'http://localhost' },
    });
    expect((await app.request('/', { headers: { cookie: session } })).status).toBe(303);
  });

  it('ends a session when its key is removed from the configuration', async () => {
    // serve swaps the settings on reload; the console reads them on every request.
    let settings = { config: testConfig(true), pricer: createPricer() };
    const live = createConsoleApp({ store: t.store, settings: () => settings });
    const res = await live.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams({ key: KEYS.default }).toString(),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await live.request('/', { headers: { cookie } })).status).toBe(200);
    const config = testConfig(true);
    settings = {
      config: { ...config, apiKeys: config.apiKeys.filter((k) => k.tenant !== 'default') },
      pricer: settings.pricer,
    };
    const after = await live.request('/', { headers: { cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/login');
  });
});

/** Text as the pages escape it. */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
