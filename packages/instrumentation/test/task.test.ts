import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withAttributes } from '../src/attribution.ts';
import { withTask } from '../src/task.ts';
import { setupTracing } from './setup.ts';

const tracing = setupTracing();
let fake: FakeLlm;
let openai: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  tracing.reset();
});

const ask = () =>
  openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });

/** A span from another library (the Vercel AI SDK, an HTTP client, a database driver). */
function otherLibrarySpan(name: string, attributes: Record<string, string> = {}): void {
  trace.getTracer('ai').startSpan(name, { attributes }).end();
}

function byName(name: string): ReadableSpan {
  const span = tracing.spans().find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name} in ${tracing.spans().map((s) => s.name)}`);
  return span;
}

const ATTRIBUTION = {
  'gen_ai.agent.name': 'triager',
  'user.id': 'u-42',
  'session.id': 's-7',
  'tokenwatch.team': 'support',
  'tokenwatch.feature': 'triage',
  'tokenwatch.project': 'helpdesk',
};

describe('withTask', () => {
  it('records one task span and attributes every span inside, ours or not', async () => {
    const result = await withTask(
      {
        id: 'task-1',
        name: 'triage-ticket',
        agent: 'triager',
        user: 'u-42',
        session: 's-7',
        team: 'support',
        feature: 'triage',
        project: 'helpdesk',
      },
      async (task) => {
        expect(task.id).toBe('task-1');
        await ask();
        otherLibrarySpan('ai.generateText');
        return 'done';
      },
    );
    expect(result).toBe('done');

    const task = byName('task triage-ticket');
    expect(task.attributes).toMatchObject({
      ...ATTRIBUTION,
      'tokenwatch.task.id': 'task-1',
      'tokenwatch.task.name': 'triage-ticket',
      'tokenwatch.task.outcome': 'success',
    });
    expect(task.status.code).toBe(SpanStatusCode.OK);
    for (const name of ['chat gpt-4o', 'ai.generateText']) {
      const span = byName(name);
      expect(span.attributes).toMatchObject({
        ...ATTRIBUTION,
        'tokenwatch.task.id': 'task-1',
        'tokenwatch.task.name': 'triage-ticket',
      });
      // Children of the task span, in its trace; only the task span carries the outcome.
      expect(span.parentSpanContext?.spanId).toBe(task.spanContext().spanId);
      expect(span.attributes['tokenwatch.task.outcome']).toBeUndefined();
    }
  });

  it('records failure and rethrows when the task throws', async () => {
    const boom = new TypeError('tool crashed');
    await expect(
      withTask({ name: 'crashy' }, async () => {
        await ask();
        throw boom;
      }),
    ).rejects.toBe(boom);
    const task = byName('task crashy');
    expect(task.attributes['tokenwatch.task.outcome']).toBe('failure');
    expect(task.attributes['error.type']).toBe('TypeError');
    expect(task.status).toEqual({ code: SpanStatusCode.ERROR, message: 'tool crashed' });
    expect(task.attributes['tokenwatch.task.id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes an explicit outcome from the handle, for sync functions too', () => {
    withTask({ name: 'partial-work' }, (task) => task.setOutcome('partial'));
    expect(() =>
      withTask({ name: 'given-up' }, (task) => {
        task.setOutcome('abandoned');
        throw new Error('user left');
      }),
    ).toThrow('user left');
    expect(byName('task partial-work').attributes['tokenwatch.task.outcome']).toBe('partial');
    expect(byName('task given-up').attributes['tokenwatch.task.outcome']).toBe('abandoned');
  });

  it('gives nested tasks their own id and inherits the outer attribution', async () => {
    await withTask({ id: 'outer', name: 'plan', agent: 'planner', team: 'core' }, () =>
      withTask({ id: 'inner', name: 'research', agent: 'researcher' }, () => ask()),
    );
    expect(byName('chat gpt-4o').attributes).toMatchObject({
      'tokenwatch.task.id': 'inner',
      'tokenwatch.task.name': 'research',
      'gen_ai.agent.name': 'researcher',
      'tokenwatch.team': 'core',
    });
    expect(byName('task plan').attributes['tokenwatch.task.id']).toBe('outer');
  });
});

describe('withAttributes', () => {
  it('merges nested attribution, inner values winning, and keeps what a library set', async () => {
    await withAttributes({ user: 'u-1', feature: 'search', attributes: { tier: 'pro' } }, () =>
      withAttributes({ feature: 'rerank' }, async () => {
        await ask();
        otherLibrarySpan('invoke_agent sub', { 'gen_ai.agent.name': 'sub-agent' });
      }),
    );
    expect(byName('chat gpt-4o').attributes).toMatchObject({
      'user.id': 'u-1',
      'tokenwatch.feature': 'rerank',
      tier: 'pro',
    });
    expect(byName('invoke_agent sub').attributes).toMatchObject({
      'user.id': 'u-1',
      'gen_ai.agent.name': 'sub-agent',
    });
  });

  it('leaves spans outside alone', async () => {
    await withAttributes({ user: 'u-1' }, () => undefined);
    await ask();
    expect(byName('chat gpt-4o').attributes['user.id']).toBeUndefined();
  });
});
