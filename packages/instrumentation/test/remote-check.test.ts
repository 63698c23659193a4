import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExceededError, GuardError } from '../src/guard/errors.ts';
import { clearRemoteCache, parseCheckResponse } from '../src/guard/remote-check.ts';
import { withTask } from '../src/task.ts';
import type { RemoteBudgetCheckResponse, RemoteCheckOptions } from '../src/types.ts';
import { setupTracing } from './setup.ts';

const tracing = setupTracing();
let fake: FakeLlm;
let openai: OpenAI;
let budgets: Server;
let budgetsUrl: string;
/** Scopes asked, in order, and the answer per scope. */
const asked: string[] = [];
const answers = new Map<string, RemoteBudgetCheckResponse | 'garbage'>();

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
  // The analyzer's endpoint, reduced to what the guard expects of it.
  budgets = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/v1/budgets/check') {
      res.writeHead(404).end();
      return;
    }
    const scope = url.searchParams.get('scope') ?? '';
    asked.push(scope);
    const answer = answers.get(scope) ?? { scope, allowed: true };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer === 'garbage' ? '{"allowed":"yes"}' : JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => budgets.listen(0, '127.0.0.1', resolve));
  budgetsUrl = `http://127.0.0.1:${(budgets.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => budgets.close(resolve));
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  tracing.reset();
  clearRemoteCache();
  asked.length = 0;
  answers.clear();
});

const chat = () =>
  openai.chat.completions.create({
    model: 'gpt-4o',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'Hi' }],
  });

async function refusal(promise: PromiseLike<unknown>): Promise<GuardError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GuardError) return err;
    throw err;
  }
  throw new Error('the call was not refused');
}

const remote = (extra: Partial<RemoteCheckOptions> = {}) => ({ url: budgetsUrl, ...extra });

describe('remote budget check', () => {
  it('asks once per scope of the attribution and refuses what a shared budget refuses', async () => {
    answers.set('team:search', {
      scope: 'team:search',
      allowed: false,
      reason: 'monthly budget of $500 spent',
    });
    const error = await withTask(
      {
        name: 'r',
        team: 'search',
        project: 'helpdesk',
        user: 'u-1',
        budget: { remoteCheck: remote() },
      },
      () => refusal(chat()),
    );
    expect(asked.sort()).toEqual(['project:helpdesk', 'team:search', 'user:u-1']);
    expect(fake.requests).toHaveLength(0);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error.reason).toBe('remote');
    expect((error as BudgetExceededError).scope).toBe('team:search');
    expect(error.message).toContain('monthly budget of $500 spent');
  });

  it('checks the estimate against the remaining amounts', async () => {
    // Estimate: 1 × 2.50 / 1e6 + 10 × 10 / 1e6 = $0.0001025 > $0.0001 left.
    answers.set('agent:a', { scope: 'agent:a', allowed: true, remainingUsd: '0.0001' });
    const error = await withTask({ name: 'r', agent: 'a', budget: { remoteCheck: remote() } }, () =>
      refusal(chat()),
    );
    expect(error.reason).toBe('remote');
    expect((error as BudgetExceededError).numbers.remainingUsd).toBe(0.0001);
    answers.set('agent:b', { scope: 'agent:b', allowed: true, remainingUsd: 0.01 });
    await withTask({ name: 'r', agent: 'b', budget: { remoteCheck: remote() } }, () => chat());
    expect(fake.requests).toHaveLength(1);
  });

  it('caches answers for the TTL and keeps the SDK promise helpers while waiting', async () => {
    await withTask({ name: 'r', team: 't', budget: { remoteCheck: remote() } }, async () => {
      // The first call waits for the endpoint: the guard hands back a stand-in promise.
      const first = chat();
      expect(first.constructor.name).toBe('DeferredCall');
      const { data, response } = await first.withResponse();
      expect(response.status).toBe(200);
      expect(data.object).toBe('chat.completion');
      // Answered from the cache: decided synchronously, the SDK's own promise comes back.
      const second = chat();
      expect(second.constructor.name).toBe('APIPromise');
      await second;
      await chat();
    });
    expect(asked).toEqual(['team:t']);
    expect(fake.requests).toHaveLength(3);
    expect(tracing.callSpans()).toHaveLength(3);
  });

  it('degrades when a shared budget says no and the policy is degrade', async () => {
    answers.set('team:x', { scope: 'team:x', allowed: false });
    await withTask(
      {
        name: 'r',
        team: 'x',
        budget: {
          remoteCheck: remote(),
          onExhausted: 'degrade',
          degrade: { model: 'gpt-4o-mini' },
        },
      },
      () => chat(),
    );
    expect(fake.requests[0]?.body?.model).toBe('gpt-4o-mini');
  });

  it('fails open when the endpoint is unreachable or answers garbage, closed if configured', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const down = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await withTask({ name: 'r', team: 't', budget: { remoteCheck: { url: down } } }, () => chat());
    answers.set('team:g', 'garbage');
    await withTask({ name: 'r', team: 'g', budget: { remoteCheck: remote() } }, () => chat());
    expect(fake.requests).toHaveLength(2);

    clearRemoteCache();
    const error = await withTask(
      { name: 'r', team: 't', budget: { remoteCheck: { url: down, failOpen: false } } },
      () => refusal(chat()),
    );
    expect(error.reason).toBe('remote-unavailable');
    expect(fake.requests).toHaveLength(2);
  });
});

describe('the agent scope when the context names no agent', () => {
  const saved = {
    OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME,
    OTEL_RESOURCE_ATTRIBUTES: process.env.OTEL_RESOURCE_ATTRIBUTES,
  };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const scopesAsked = async (attribution: { agent?: string }) => {
    await withTask(
      { name: 'r', team: 'search', ...attribution, budget: { remoteCheck: remote() } },
      () => chat(),
    );
    return asked.sort();
  };

  it('is the service name, as the collector stores it', async () => {
    process.env.OTEL_SERVICE_NAME = 'support-bot';
    expect(await scopesAsked({})).toEqual(['agent:support-bot', 'team:search']);
  });

  it("is left out under the SDK's default service name", async () => {
    process.env.OTEL_SERVICE_NAME = 'unknown_service:node';
    expect(await scopesAsked({})).toEqual(['team:search']);
  });

  it('is the agent named in the context, or else on the resource, before the service', async () => {
    process.env.OTEL_SERVICE_NAME = 'support-bot';
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'gen_ai.agent.name=resource%20agent,x=y';
    expect(await scopesAsked({ agent: 'triager' })).toEqual(['agent:triager', 'team:search']);
    asked.length = 0;
    clearRemoteCache();
    expect(await scopesAsked({})).toEqual(['agent:resource agent', 'team:search']);
  });
});

describe('parseCheckResponse', () => {
  it('accepts the documented shape and rejects anything else', () => {
    expect(
      parseCheckResponse({
        scope: 'team:a',
        allowed: true,
        remainingUsd: '1.5',
        remainingTokens: null,
        resetAt: '2026-09-01T00:00:00Z',
      }),
    ).toEqual({
      scope: 'team:a',
      allowed: true,
      remainingUsd: '1.5',
      remainingTokens: null,
      reason: undefined,
      resetAt: '2026-09-01T00:00:00Z',
    });
    expect(parseCheckResponse({ allowed: 'true' })).toBeUndefined();
    expect(parseCheckResponse({ allowed: true, remainingUsd: 'lots' })).toBeUndefined();
    expect(parseCheckResponse({ allowed: true, remainingTokens: '5' })).toBeUndefined();
    expect(parseCheckResponse([])).toBeUndefined();
  });
});
