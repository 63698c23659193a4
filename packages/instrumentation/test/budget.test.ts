import Anthropic from '@anthropic-ai/sdk';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/guard/circuit-breaker.ts';
import { configureBudget } from '../src/guard/defaults.ts';
import {
  BudgetExceededError,
  CircuitOpenError,
  GuardError,
  RateLimitedError,
} from '../src/guard/errors.ts';
import { requestHash } from '../src/request-hash.ts';
import { getBudget, withTask } from '../src/task.ts';
import type { BudgetEvent, ContextTierEvent } from '../src/types.ts';
import { setupTracing } from './setup.ts';

const tracing = setupTracing();
let fake: FakeLlm;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'test', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  tracing.reset();
  configureBudget(undefined);
});

/** A chat call whose pre-flight estimate is `ceil(chars / 4)` input tokens plus `maxTokens`. */
const chat = (content: string, maxTokens = 100, model = 'gpt-4o') =>
  openai.chat.completions.create({
    model,
    max_tokens: maxTokens,
    messages: [{ role: 'user', content }],
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

describe('token and USD budgets', () => {
  it('refuses the call that would cross the token budget before sending it', async () => {
    fake.enqueue({ usage: { uncachedInput: 900, output: 50 } });
    const error = await withTask(
      { id: 't-tokens', name: 'tokens', budget: { maxTokens: 1000 } },
      async () => {
        await chat('Hi'); // estimate 1 + 100 = 101 of 1000: sent
        expect(getBudget()?.used).toMatchObject({
          tokens: 950,
          inputTokens: 900,
          outputTokens: 50,
        });
        return refusal(chat('Hi')); // estimate 101, 50 left: refused
      },
    );
    expect(fake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error.reason).toBe('tokens');
    expect((error as BudgetExceededError).numbers).toMatchObject({
      limitTokens: 1000,
      usedTokens: 950,
      reservedTokens: 0,
      estimatedTokens: 101,
      remainingTokens: 50,
    });
    // Recorded on the task span; no call span for a call that was never made.
    const task = tracing.spans().find((span) => span.name === 'task tokens');
    expect(task?.events.map((event) => event.name)).toEqual(['tokenwatch.call.refused']);
    expect(task?.events[0]?.attributes?.['tokenwatch.budget.reason']).toBe('tokens');
    expect(tracing.callSpans()).toHaveLength(1);
  });

  it('tracks USD from each response with exact prices and refuses past the limit', async () => {
    // gpt-4o: $2.50 per million input tokens, $10 per million output tokens.
    // 200 × 2.50 / 1e6 + 50 × 10 / 1e6 = 0.0005 + 0.0005 = 0.001
    fake.enqueue({ usage: { uncachedInput: 200, output: 50 } });
    const events: BudgetEvent[] = [];
    const error = await withTask(
      { name: 'usd', budget: { maxUsd: 0.001, onEvent: (event) => events.push(event) } },
      async () => {
        await chat('Hi', 10);
        expect(getBudget()?.used.usd).toBe(0.001);
        expect(getBudget()?.remaining.usd).toBe(0);
        return refusal(chat('Hi', 10));
      },
    );
    expect(fake.requests).toHaveLength(1);
    expect(error.reason).toBe('usd');
    // Estimate of the refused call: 1 × 2.50 / 1e6 + 10 × 10 / 1e6 = 0.0001025
    expect((error as BudgetExceededError).numbers).toMatchObject({
      limitUsd: 0.001,
      usedUsd: 0.001,
      estimatedUsd: 0.0001025,
      remainingUsd: 0,
    });
    expect(events.map((event) => [event.type, event.reason])).toEqual([['refused', 'usd']]);
  });

  it('estimates with a pluggable tokenizer, counting the output cap unless told not to', async () => {
    const seen: string[] = [];
    const tokenizer = (text: string, model: string) => {
      seen.push(model);
      return text.split(' ').length;
    };
    // 'a b c' is 3 words (the default would say ceil(5 / 4) = 2): 3 + 10 > 12.
    const error = await withTask({ name: 'words', budget: { maxTokens: 12, tokenizer } }, () =>
      refusal(chat('a b c', 10)),
    );
    expect((error as BudgetExceededError).numbers.estimatedTokens).toBe(13);
    expect(seen).toEqual(['gpt-4o']);
    await withTask(
      { name: 'input-only', budget: { maxTokens: 12, tokenizer, countMaxOutputTokens: false } },
      () => chat('a b c', 10),
    );
    expect(fake.requests).toHaveLength(1);
  });

  it('counts a nested task against the enclosing task too', async () => {
    fake.enqueue({ usage: { uncachedInput: 300, output: 20 } });
    await withTask({ name: 'outer', budget: { maxTokens: 5000 } }, async () => {
      await withTask({ name: 'inner', budget: { maxTokens: 400 } }, async () => {
        await chat('Hi', 10);
        expect(getBudget()?.used.tokens).toBe(320);
      });
      expect(getBudget()).toMatchObject({
        used: { tokens: 320, calls: 1 },
        remaining: { tokens: 4680 },
      });
    });
  });

  it('holds the estimate of a call in flight, then replaces it by the usage', async () => {
    fake.enqueue({ usage: { uncachedInput: 10, output: 5 }, latencyMs: 20 });
    await withTask({ name: 'hold', budget: { maxTokens: 1000 } }, async () => {
      const pending = chat('x'.repeat(40), 50); // 10 + 50
      expect(getBudget()?.reserved.tokens).toBe(60);
      expect(getBudget()?.remaining.tokens).toBe(940);
      await pending;
      expect(getBudget()).toMatchObject({ reserved: { tokens: 0 }, used: { tokens: 15 } });
    });
  });

  it('counts an estimate for a stream that reports no usage', async () => {
    fake.enqueue({ text: 'abcdefgh' });
    await withTask({ name: 'stream', budget: { maxTokens: 1000 } }, async () => {
      const streamed = await openai.chat.completions.create({
        model: 'gpt-4o',
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'y'.repeat(40) }],
      });
      for await (const _ of streamed) {
        // drain
      }
      // Input: 40 characters → 10 tokens; output: 'abcdefgh' → 2 tokens.
      expect(getBudget()?.used).toMatchObject({
        inputTokens: 10,
        outputTokens: 2,
        estimatedCalls: 1,
        calls: 1,
      });
    });
  });
});

describe('policies', () => {
  it('degrade switches to the cheaper model and caps the output (the provider sees it)', async () => {
    const events: BudgetEvent[] = [];
    await withTask(
      {
        name: 'degrade',
        budget: {
          // gpt-4o estimate: 100 × 2.50 / 1e6 + 50 × 10 / 1e6 = 0.00075 > 0.0005
          // gpt-4o-mini: 100 × 0.15 / 1e6 + 20 × 0.60 / 1e6 = 0.000027 fits
          maxUsd: 0.0005,
          onExhausted: 'degrade',
          degrade: { model: { 'gpt-4o': 'gpt-4o-mini' }, maxOutputTokens: 20 },
          onEvent: (event) => events.push(event),
        },
      },
      () => chat('x'.repeat(400), 50),
    );
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 20 });
    const span = tracing.callSpans()[0];
    expect(span?.name).toBe('chat gpt-4o-mini');
    expect(span?.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    // The hash of the degraded request, the one sent, not of the one the application asked for.
    expect(span?.attributes['tokenwatch.request_hash']).toBe(requestHash(fake.requests[0]!.body!));
    const degraded = span?.events.find((event) => event.name === 'tokenwatch.budget.degraded');
    expect(degraded?.attributes).toMatchObject({
      'tokenwatch.budget.reason': 'usd',
      'tokenwatch.budget.from_model': 'gpt-4o',
      'tokenwatch.budget.to_model': 'gpt-4o-mini',
      'tokenwatch.budget.max_output_tokens': 20,
    });
    expect(events).toEqual([
      {
        type: 'degraded',
        reason: 'usd',
        taskId: expect.any(String),
        fromModel: 'gpt-4o',
        toModel: 'gpt-4o-mini',
        maxOutputTokens: 20,
      },
    ]);
  });

  it('degrade caps max_tokens to the tokens left when no cheaper model is configured', async () => {
    await withTask({ name: 'cap', budget: { maxTokens: 150, onExhausted: 'degrade' } }, () =>
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'x'.repeat(400) }], // 100 + 100 > 150
      }),
    );
    expect(fake.requests[0]?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 50 });
  });

  it('degrade still refuses when nothing is left', async () => {
    fake.enqueue({ usage: { uncachedInput: 140, output: 10 } });
    const error = await withTask(
      { name: 'empty', budget: { maxTokens: 150, onExhausted: 'degrade' } },
      async () => {
        await chat('Hi', 1);
        return refusal(chat('Hi', 1));
      },
    );
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(fake.requests).toHaveLength(1);
  });

  it('warn lets the call through and reports it', async () => {
    const events: BudgetEvent[] = [];
    await withTask(
      {
        name: 'warn',
        budget: { maxTokens: 10, onExhausted: 'warn', onEvent: (e) => events.push(e) },
      },
      () => chat('Hi', 100),
    );
    expect(fake.requests).toHaveLength(1);
    expect(events.map((event) => [event.type, event.reason])).toEqual([['exceeded', 'tokens']]);
    const span = tracing.callSpans()[0];
    expect(span?.events.map((event) => event.name)).toContain('tokenwatch.budget.exceeded');
  });

  it('applies the configured defaults to tasks that give no budget', async () => {
    configureBudget({ maxTokens: 50 });
    const error = await withTask({ name: 'defaults' }, () => refusal(chat('Hi', 100)));
    expect(error.reason).toBe('tokens');
    await withTask({ name: 'opted-out', budget: false }, () => chat('Hi', 100));
    expect(fake.requests).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures and refuses without sending', async () => {
    fake.enqueue({ error: { status: 500 } }, { error: { status: 503 } });
    await withTask(
      { name: 'failing', budget: { circuitBreaker: { maxConsecutiveFailures: 2 } } },
      async () => {
        await expect(chat('a')).rejects.toThrow();
        await expect(chat('b')).rejects.toThrow();
        const error = await refusal(chat('c'));
        expect(error).toBeInstanceOf(CircuitOpenError);
        expect(error.reason).toBe('consecutive-failures');
        expect((error as CircuitOpenError).consecutiveFailures).toBe(2);
        expect(getBudget()?.circuit).toBe('open');
        expect(getBudget()?.used.failedCalls).toBe(2);
      },
    );
    expect(fake.requests).toHaveLength(2);
  });

  it('opens when the agent repeats the same request', async () => {
    await withTask(
      { name: 'loop', budget: { circuitBreaker: { maxIdenticalRequests: 2 } } },
      async () => {
        await chat('same');
        await chat('same');
        const error = await refusal(chat('same'));
        expect(error.reason).toBe('identical-requests');
        expect((error as CircuitOpenError).identicalRequests).toBe(3);
      },
    );
    expect(fake.requests).toHaveLength(2);
    // The guard's key is the request hash the spans carry.
    const hashes = tracing.callSpans().map((span) => span.attributes['tokenwatch.request_hash']);
    expect(hashes).toEqual([requestHash(fake.requests[0]!.body!), hashes[0]]);
  });

  it('lets one probe through after the cooldown; its result closes or reopens it', () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      't',
      { maxConsecutiveFailures: 1, cooldownMs: 1000 },
      () => now,
    );
    breaker.admit('a');
    breaker.onFailure();
    expect(breaker.state()).toBe('open');
    expect(() => breaker.check('b')).toThrow(CircuitOpenError);
    now = 1000;
    expect(breaker.state()).toBe('half-open');
    breaker.check('b');
    breaker.admit('b');
    // While the probe is in flight, nothing else goes.
    expect(() => breaker.check('c')).toThrow(CircuitOpenError);
    breaker.onFailure();
    expect(breaker.state()).toBe('open');
    now = 2000;
    breaker.check('d');
    breaker.admit('d');
    breaker.onSuccess();
    expect(breaker.state()).toBe('closed');
  });
});

describe('rate limit', () => {
  it('refuses calls beyond the limit per task', async () => {
    await withTask({ name: 'rate', budget: { rateLimit: { maxCallsPerMinute: 2 } } }, async () => {
      await chat('1');
      await chat('2');
      const error = await refusal(chat('3'));
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).maxCallsPerMinute).toBe(2);
    });
    expect(fake.requests).toHaveLength(2);
  });

  it('counts per agent across tasks', async () => {
    const budget = { rateLimit: { maxCallsPerMinute: 2, per: 'agent' as const } };
    await withTask({ name: 'one', agent: 'rate-agent', budget }, () => chat('1'));
    await withTask({ name: 'two', agent: 'rate-agent', budget }, () => chat('2'));
    const error = await withTask({ name: 'three', agent: 'rate-agent', budget }, () =>
      refusal(chat('3')),
    );
    expect(error.reason).toBe('rate');
    await withTask({ name: 'other', agent: 'other-agent', budget }, () => chat('4'));
    expect(fake.requests).toHaveLength(3);
  });
});

describe('context tiers', () => {
  it('fire at 70, 85 and 90 % of the window, from the usage of each response', async () => {
    const tiers: ContextTierEvent[] = [];
    fake.enqueue(
      { usage: { uncachedInput: 699, output: 1 } },
      { usage: { uncachedInput: 700, output: 1 } },
      { usage: { uncachedInput: 849, output: 1 } },
      { usage: { uncachedInput: 850, output: 1 } },
      { usage: { uncachedInput: 900, output: 1 } },
    );
    await withTask(
      {
        name: 'tiers',
        budget: { contextWindow: 1000, onContextTier: (event) => tiers.push(event) },
      },
      async () => {
        for (let i = 0; i < 5; i++) await chat('Hi', 1);
      },
    );
    expect(tiers.map((event) => [event.tier, event.tokens, event.source])).toEqual([
      ['notice', 700, 'usage'],
      ['notice', 849, 'usage'],
      ['warning', 850, 'usage'],
      ['critical', 900, 'usage'],
    ]);
    const spanTiers = tracing
      .callSpans()
      .map((span) => span.events.find((e) => e.name === 'tokenwatch.context.tier'));
    expect(spanTiers.map((event) => event?.attributes?.['tokenwatch.context.tier'])).toEqual([
      undefined,
      'notice',
      'notice',
      'warning',
      'critical',
    ]);
    expect(spanTiers[4]?.attributes).toMatchObject({
      'tokenwatch.context.ratio': 0.9,
      'tokenwatch.context.window': 1000,
    });
  });

  it('use the model window from the catalog and fire before sending on the estimate', async () => {
    const tiers: ContextTierEvent[] = [];
    // gpt-4o has a 128,000-token window: 89,600 is 70 %.
    fake.enqueue({ usage: { uncachedInput: 89_600, output: 1 } }, { usage: { uncachedInput: 5 } });
    await withTask(
      { name: 'catalog', budget: { onContextTier: (event) => tiers.push(event) } },
      async () => {
        await chat('Hi', 1);
        // 2,800 characters ≈ 700 tokens of a 1,000-token window (override), before sending.
        await withTask(
          {
            name: 'estimate',
            budget: { contextWindow: 1000, onContextTier: (event) => tiers.push(event) },
          },
          () => chat('x'.repeat(2800), 1),
        );
      },
    );
    expect(tiers.map((e) => [e.tier, e.contextWindow, e.source, e.tokens])).toEqual([
      ['notice', 128_000, 'usage', 89_600],
      ['notice', 1000, 'estimate', 700],
    ]);
  });

  it('can be turned off or set to other thresholds', async () => {
    const tiers: ContextTierEvent[] = [];
    fake.enqueue({ usage: { uncachedInput: 950 } }, { usage: { uncachedInput: 500 } });
    await withTask(
      {
        name: 'custom',
        budget: {
          contextWindow: 1000,
          contextTiers: { notice: 0.5 },
          onContextTier: (e) => tiers.push(e),
        },
      },
      async () => {
        await withTask({ name: 'off', budget: { contextWindow: 1000, contextTiers: false } }, () =>
          chat('Hi', 1),
        );
        await chat('Hi', 1);
      },
    );
    expect(tiers.map((e) => [e.tier, e.tokens])).toEqual([['notice', 500]]);
  });
});
