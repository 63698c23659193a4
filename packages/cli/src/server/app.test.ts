import { tmpdir } from 'node:os';
import { createAlertEngine } from '@tokenwatch/analyzer';
import { createPricer } from '@tokenwatch/collector';
import { loadConfig } from '@tokenwatch/config';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerApp, type ServerState } from './app.ts';

describe('server app', () => {
  let t: TestStore;
  const state: ServerState = { ready: false, reason: 'applying migrations' };
  const token = 'a'.repeat(64);
  let app: ReturnType<typeof createServerApp>;
  beforeAll(async () => {
    t = await openTestStore();
    const pricer = createPricer();
    const config = loadConfig({ cwd: tmpdir(), env: {} });
    const alerts = createAlertEngine({ store: t.store, config, pricer });
    app = createServerApp({
      store: t.store,
      state,
      adminToken: token,
      pricer: () => pricer,
      alerts: () => alerts,
    });
  });
  afterAll(() => t.cleanup());

  const sql = (body: unknown, auth = `Bearer ${token}`) =>
    app.request('/api/v1/admin/sql', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('is healthy at once and ready only after migrations', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const notReady = await app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', reason: 'applying migrations' });
    state.ready = true;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('runs read-only SQL for the admin token only', async () => {
    expect((await sql({ query: 'SELECT 1' }, 'Bearer wrong')).status).toBe(401);
    expect((await sql({ query: 'SELECT 1' }, '')).status).toBe(401);
    const ok = await sql({ query: 'SELECT count() AS n FROM llm_calls' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ columns: [{ name: 'n', type: 'UInt64' }], rows: [['0']] });
  });

  it('refuses tenant API keys: raw SQL reads every tenant, so it is for the admin token only', async () => {
    const tenantKey = 'tw_tenant_key_0123456789abcdef';
    const response = await sql({ query: 'SELECT count() FROM llm_calls' }, `Bearer ${tenantKey}`);
    expect(response.status).toBe(401);
    const viaHeader = await app.request('/api/v1/admin/sql', {
      method: 'POST',
      headers: { 'x-tokenwatch-key': tenantKey, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT 1' }),
    });
    expect(viaHeader.status).toBe(401);
  });

  it('refuses writes without write: true, and reports bad SQL as 400', async () => {
    const refused = await sql({ query: 'TRUNCATE TABLE llm_calls' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/read-only/);
    const bad = await sql({ query: 'SELECT nothing_here' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/nothing_here/);
    expect((await sql({ nope: 1 })).status).toBe(400);
  });
});
