import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFakeReceiver } from '../../test/support/receivers.ts';
import { type HttpSendContext, SIGNATURE_HEADER, sendJson } from './http-delivery.ts';

const ctx = (env: Record<string, string> = {}): HttpSendContext => ({
  fetch,
  env,
  retry: { attempts: 3, baseDelayMs: 1, timeoutMs: 2000 },
});

describe('sendJson', () => {
  it('retries 429 and 5xx up to the attempt limit, and stops at once on 4xx', async () => {
    const server = await startFakeReceiver(503, 'busy');
    try {
      server.script(429);
      expect(await sendJson({ url: server.url }, '{}', ctx())).toEqual({
        ok: false,
        attempts: 3,
        status: 503,
        error: 'HTTP 503: busy',
        retryable: true,
      });
      expect(server.requests).toHaveLength(3);
      server.script(400);
      expect(await sendJson({ url: server.url }, '{}', ctx())).toMatchObject({
        attempts: 1,
        status: 400,
        retryable: false,
      });
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('succeeds on the attempt after a 5xx, with the body as sent', async () => {
    const server = await startFakeReceiver(200);
    try {
      server.script(500);
      expect(await sendJson({ url: `${server.url}/in` }, '{"a":1}', ctx())).toEqual({
        ok: true,
        attempts: 2,
        status: 200,
        error: '',
        retryable: false,
      });
      expect(server.requests.map((r) => [r.path, r.body, r.headers['content-type']])).toEqual([
        ['/in', '{"a":1}', 'application/json'],
        ['/in', '{"a":1}', 'application/json'],
      ]);
      expect(server.requests[1]!.headers[SIGNATURE_HEADER.toLowerCase()]).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('reports network errors without the URL (which may be a secret)', async () => {
    const server = await startFakeReceiver(200);
    const url = `${server.url}/secret-token`;
    await server.close();
    const outcome = await sendJson({ url }, '{}', ctx());
    expect(outcome).toMatchObject({ ok: false, attempts: 3, status: 0, retryable: true });
    expect(outcome.error).toMatch(/^network error: /);
    expect(outcome.error).not.toContain('secret-token');
  });

  it('reads the URL and the signing secret from the variables named, at send time', async () => {
    const server = await startFakeReceiver(200);
    try {
      const body = '{"text":"hi"}';
      const env = { HOOK_URL: `${server.url}/hook`, HOOK_KEY: 'k3y' };
      const target = { urlEnv: 'HOOK_URL', hmacSecretEnv: 'HOOK_KEY' };
      expect(await sendJson(target, body, ctx(env))).toMatchObject({ ok: true, attempts: 1 });
      const [request] = server.requests;
      expect(request!.path).toBe('/hook');
      const expected = createHmac('sha256', 'k3y').update(body).digest('hex');
      expect(request!.headers['x-tokenwatch-signature']).toBe(`sha256=${expected}`);
    } finally {
      await server.close();
    }
  });

  it('fails without a request when a named variable is not set', async () => {
    const server = await startFakeReceiver(200);
    try {
      const unsent = { ok: false, attempts: 0, status: 0, retryable: false };
      expect(await sendJson({ urlEnv: 'NOPE_URL' }, '{}', ctx())).toEqual({
        ...unsent,
        error: 'NOPE_URL is not set',
      });
      const signed = { url: server.url, hmacSecretEnv: 'NOPE_KEY' };
      expect(await sendJson(signed, '{}', ctx())).toEqual({
        ...unsent,
        error: 'NOPE_KEY is not set',
      });
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
