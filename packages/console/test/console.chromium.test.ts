/**
 * The console in real Chromium (Debian's `chromium`), over a seeded store served on 127.0.0.1 as
 * `serve` arranges it (the API under /api/v1, the console at /). Screenshots of every page at
 * 1280 and 390 px, light and dark, go to `test-output/screenshots/` (not committed).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { createAnalyzer } from '@tokenwatch/analyzer';
import { createPricer } from '@tokenwatch/pricing';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { Hono } from 'hono';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleApp } from '../src/app.ts';
import { PAGES } from '../src/layout.ts';
import { KEYS, SEEDED, type SeededSpan, seedConsoleData, testConfig } from './support/seed.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));

type Served = { url: string; close(): Promise<void> };

async function serveConsole(t: TestStore, withKeys: boolean): Promise<Served> {
  const config = testConfig(withKeys);
  const settings = { config, pricer: createPricer() };
  const app = new Hono();
  app.route('/', createAnalyzer({ store: t.store, config }).app);
  app.route('/', createConsoleApp({ store: t.store, settings: () => settings }));
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

describe.runIf(existsSync(CHROMIUM))('the console in Chromium', () => {
  let t: TestStore;
  let open: Served;
  let keyed: Served;
  let browser: Browser;
  let profile: string;
  let span: SeededSpan;
  /** Every URL the browser asked for, and those that were not for 127.0.0.1 (blocked). */
  const requested: string[] = [];
  const elsewhere: string[] = [];

  beforeAll(async () => {
    t = await openTestStore();
    span = await seedConsoleData(t.store);
    open = await serveConsole(t, false);
    keyed = await serveConsole(t, true);
    profile = mkdtempSync(join(tmpdir(), 'tokenwatch-chromium-'));
    mkdirSync(SHOTS, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Anything that slipped past the interception would meet a closed port, not the network.
        '--proxy-server=http://127.0.0.1:9',
        '--proxy-bypass-list=127.0.0.1',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await keyed?.close();
    await t?.cleanup();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function newPage(width = 1280, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport({ width, height: 900 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      requested.push(url);
      if (new URL(url).hostname === '127.0.0.1') return void request.continue();
      elsewhere.push(url);
      return void request.abort('blockedbyclient');
    });
    return page;
  }

  const api = async (path: string) => {
    const res = await fetch(`${open.url}${path}`);
    expect(res.status, path).toBe(200);
    return (await res.json()) as { total: { costUsd: string }; costUsd: string };
  };
  // Code run in the page is given as text: this project type-checks without the DOM's types.
  const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;
  const shownValue = (page: Page, testId: string) =>
    page.$eval(`[data-testid="${testId}"]`, (el) => el.getAttribute('data-value'));

  // Forty page loads and screenshots: the timeout leaves room for a machine busy with other files.
  it('renders every page at 1280 and 390 px, light and dark, within the width', async () => {
    const paths = [
      ...PAGES.map((p) => [p.path, p.title] as const),
      [`/task?id=${SEEDED.task.id}`, 'Task'] as const,
      [`/span?trace=${span.trace}&span=${span.span}`, 'Span'] as const,
    ];
    for (const width of [1280, 390]) {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await newPage(width, scheme);
        for (const [path, title] of paths) {
          const response = await page.goto(`${open.url}${path}`, { waitUntil: 'load' });
          expect(response?.status(), path).toBe(200);
          expect(await page.$eval('h1', (h) => h.textContent)).toContain(title);
          // Nothing wider than the window: wide tables scroll inside their own box.
          const overflow = await inPage<number>(
            page,
            'document.documentElement.scrollWidth - window.innerWidth',
          );
          expect(overflow, `${path} at ${width}px`).toBeLessThanOrEqual(0);
          const name = `${title.toLowerCase().replace(/[^a-z]+/g, '-')}-${width}-${scheme}.png`;
          await page.screenshot({ path: join(SHOTS, name), fullPage: true });
          expect(existsSync(join(SHOTS, name))).toBe(true);
        }
        await page.close();
      }
    }
    // Dark follows the system: the page background differs between the two schemes.
    const backgrounds: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await newPage(1280, scheme);
      await page.goto(`${open.url}/`);
      backgrounds.push(
        await inPage<string>(page, 'getComputedStyle(document.body).backgroundColor'),
      );
      await page.close();
    }
    expect(backgrounds[0]).not.toBe(backgrounds[1]);
  }, 180_000);

  it('shows on the overview the spend and top agent the API gives', async () => {
    const page = await newPage();
    await page.goto(`${open.url}/`);
    for (const since of ['today', '7d', '30d']) {
      const cost = await api(`/api/v1/cost?since=${since}`);
      expect(await shownValue(page, `spend-${since}`), since).toBe(cost.total.costUsd);
    }
    expect(await shownValue(page, 'spend-7d')).toBe(SEEDED.week.costUsd);
    expect(await page.$eval('[data-testid="top-agent-7d"]', (el) => el.textContent)).toBe(
      'support',
    );
    // One stacked segment per agent and hour with spend in the last 7 days (days: three agents
    // on distinct hours, the support task's three calls in one hour).
    const segments = await page.$$eval('[data-testid="stacked-chart"] rect.seg', (r) => r.length);
    expect(segments).toBeGreaterThanOrEqual(5);
    await page.close();
  });

  it('changes Explore with its controls, and the URL keeps the state', async () => {
    const page = await newPage();
    await page.goto(`${open.url}/explore`);
    expect(await shownValue(page, 'explore-total')).toBe(SEEDED.week.costUsd);
    // A select submits its form on change (the console's script): the URL follows.
    await Promise.all([page.waitForNavigation(), page.select('select[name="by"]', 'model')]);
    expect(new URL(page.url()).searchParams.get('by')).toBe('model');
    expect(await page.$eval('[data-testid="explore-table"] th', (th) => th.textContent)).toBe(
      'model',
    );
    // A filter typed into its field, then Enter.
    await page.click('details summary');
    await page.type('input[name="agent"]', 'support');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).searchParams.get('agent')).toBe('support');
    expect(await shownValue(page, 'explore-total')).toBe(SEEDED.support.costUsd);
    const models = await page.$$eval('[data-testid="explore-table"] td[data-col="model"]', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(models.sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    // The same URL opened fresh shows the same thing: the state is all in it.
    const again = await newPage();
    await again.goto(page.url());
    expect(await shownValue(again, 'explore-total')).toBe(SEEDED.support.costUsd);
    await again.close();
    await page.close();
  });

  it("shows a task's calls as the API lists them", async () => {
    const page = await newPage();
    await page.goto(`${open.url}/tasks`);
    await Promise.all([
      page.waitForNavigation(),
      page.click(`a[href="/task?id=${SEEDED.task.id}"]`),
    ]);
    const task = await api(`/api/v1/task?id=${SEEDED.task.id}`);
    expect(await shownValue(page, 'task-cost')).toBe(task.costUsd);
    const contexts = await page.$$eval(
      '[data-testid="task-call-table"] td[data-col="context"]',
      (tds) => tds.map((td) => Number(td.textContent?.replaceAll(',', ''))),
    );
    expect(contexts).toEqual(SEEDED.task.contexts);
    expect(await page.$$eval('[data-testid="task-timeline"] rect', (r) => r.length)).toBe(3);
    await page.close();
  });

  it('reaches every control of every page with the Tab key', async () => {
    const page = await newPage();
    for (const { path } of PAGES) {
      await page.goto(`${open.url}${path}`);
      const controls = await inPage<number>(
        page,
        `(() => {
          // A disclosure's fields are reached once it is open (Enter on its summary, itself reached).
          for (const details of document.querySelectorAll('details')) details.open = true;
          const all = [...document.querySelectorAll('a[href], button, input, select, summary, iframe, [tabindex="0"]')]
            .filter((el) => el.getClientRects().length > 0);
          all.forEach((el, i) => { el.dataset.walk = String(i); });
          return all.length;
        })()`,
      );
      const reached = new Set<string>();
      for (let i = 0; i < controls + 3; i++) {
        await page.keyboard.press('Tab');
        const walk = await inPage<string | undefined>(
          page,
          'document.activeElement?.dataset?.walk',
        );
        if (walk !== undefined) reached.add(walk);
      }
      const missed = await inPage<string[]>(
        page,
        `[...document.querySelectorAll('[data-walk]')]
          .filter((el) => !${JSON.stringify([...reached])}.includes(el.dataset.walk))
          .map((el) => el.outerHTML.slice(0, 80))`,
      );
      expect(missed, path).toEqual([]);
    }
    await page.close();
  }, 120_000);

  it('signs in with a key in a form and shows only its tenant; the key never in a URL', async () => {
    const page = await newPage();
    await page.goto(`${keyed.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.type('input[name="key"]', KEYS.other);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.$eval('[data-testid="tenant"]', (el) => el.textContent)).toBe('other');
    expect(await shownValue(page, 'spend-7d')).toBe('999');
    const text = await inPage<string>(page, 'document.body.innerText');
    expect(text).toContain(SEEDED.otherAgent);
    // The open tenant's agents are nowhere (the budgets, from the config, are every tenant's).
    expect(text).not.toMatch(/research|coder|top agent support/);
    // The session cookie is HttpOnly: scripts on the page cannot read it.
    expect(await inPage<string>(page, 'document.cookie')).toBe('');
    await page.goto(`${keyed.url}/explore?agent=support`);
    expect(await shownValue(page, 'explore-total')).toBe('0');
    expect(requested.some((url) => url.includes(KEYS.other))).toBe(false);
    await page.close();
  });

  it('asked for nothing outside 127.0.0.1', () => {
    expect(requested.length).toBeGreaterThan(50);
    expect(elsewhere).toEqual([]);
  });
});
