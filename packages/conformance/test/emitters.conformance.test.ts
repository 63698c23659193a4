/**
 * Runs the conformance table (scenarios.ts): every emitter against the fake provider, exporting
 * with the official OTLP exporter into a real collector over one embedded store. Each scenario is
 * checked the same way: the app's request(s) as scripted, what the emitter sent, what is stored.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Emitter,
  type Instrumented,
  type Scenario,
  type SentSpan,
  storedTokens,
} from './emitter.ts';
import { type Backend, type CallRow, type ExportedSpan, startBackend } from './harness.ts';
import { EMITTERS } from './scenarios.ts';

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend();
});

afterAll(async () => {
  await backend.close();
});

beforeEach(() => backend.fake.reset());

describe('the conformance table', () => {
  it('names, for every emitter, a convention record the collector has', () => {
    const records = new URL('../../../collector/src/normalize/conventions/', import.meta.url);
    for (const { title, convention } of EMITTERS) {
      expect({ title, exists: existsSync(new URL(`${convention}.ts`, records)) }).toEqual({
        title,
        exists: true,
      });
    }
  });
});

for (const emitter of EMITTERS) {
  describe(emitter.title, () => {
    let instrumented: Instrumented<unknown> | undefined;

    beforeAll(async () => {
      instrumented = await emitter.setup(backend);
    });

    afterAll(async () => {
      await instrumented?.shutdown();
    });

    for (const scenario of emitter.scenarios) {
      it(scenario.title, () => check(emitter, scenario, instrumented!));
    }
    for (const test of emitter.extraTests ?? []) {
      it(test.title, () => test.run(instrumented!, backend));
    }
  });
}

async function check(
  emitter: Emitter<unknown>,
  scenario: Scenario<unknown>,
  instrumented: Instrumented<unknown>,
): Promise<void> {
  const before = scenario.stored.kind === 'nothing' ? await backend.countAllCalls() : 0;
  backend.fake.enqueue(...scenario.replies);
  if (scenario.rejects) {
    await expect(scenario.act(instrumented)).rejects.toThrow(scenario.rejects);
  } else {
    const seen = await scenario.act(instrumented);
    // A stream: the app saw the output the provider sent, whatever the emitter made of it.
    if (typeof seen === 'number') {
      expect(seen).toBe(scenario.replies.reduce((sum, r) => sum + (r.usage?.output ?? 0), 0));
    }
  }
  // One request per scripted reply: nothing retried, nothing left over.
  expect(backend.fake.requests).toHaveLength(scenario.replies.length);
  if (scenario.paths) expect(backend.fake.requests.map((r) => r.path)).toEqual(scenario.paths);

  const spans = await instrumented.take();
  if (scenario.sent) expectSent(spans, scenario.sent);
  await expectStored(emitter, scenario, spans, before);
}

/** The exported spans, each reduced to the fields its expectation names. */
function expectSent(
  spans: readonly ExportedSpan[],
  sent: NonNullable<Scenario<unknown>['sent']>,
): void {
  if ('anyOrder' in sent) {
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const template = sent.anyOrder[0] ?? { name: '' };
    const actual = spans.map((span) => project(span, template, spans)).sort(byName);
    expect(actual).toEqual([...sent.anyOrder].sort(byName));
  } else {
    expect(spans.map((span, i) => project(span, sent[i] ?? { name: '' }, spans))).toEqual(sent);
  }
}

function project(
  span: ExportedSpan,
  template: SentSpan,
  spans: readonly ExportedSpan[],
): { name: string } & Record<string, unknown> {
  const out: { name: string } & Record<string, unknown> = { name: span.name };
  if (template.scope !== undefined) out.scope = span.scope;
  if (template.status !== undefined) out.status = span.status;
  if (template.attributes) {
    out.attributes = Object.fromEntries(
      Object.keys(template.attributes).map((key) => [key, span.attributes[key]]),
    );
  }
  const forbidden = template.noAttributesMatching;
  if (forbidden) {
    // The pattern itself when no name matches, else the names that do.
    const found = Object.keys(span.attributes).filter((key) => forbidden.test(key));
    out.noAttributesMatching = found.length === 0 ? forbidden : found;
  }
  if (template.parent !== undefined) {
    out.parent = spans.findIndex((s) => s.spanId === span.parentSpanId);
  }
  return out;
}

const NO_TOKENS = {
  input_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cache_write_1h_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
};

async function expectStored(
  emitter: Emitter<unknown>,
  scenario: Scenario<unknown>,
  spans: readonly ExportedSpan[],
  before: number,
): Promise<void> {
  const { stored } = scenario;
  // Every scenario sends chat requests.
  const call = (span: string) => ({
    span,
    operation: 'chat',
    status: 'ok',
    error_type: '',
    cache_unreported: emitter.cacheUnreported ?? false,
  });
  switch (stored.kind) {
    case 'nothing':
      expect(await backend.countAllCalls()).toBe(before);
      return;
    case 'billed':
      expect(await backend.calls(spans)).toEqual([
        {
          ...call(stored.span),
          ...stored.model,
          ...storedTokens(scenario.replies[0]?.usage, emitter.split),
          usage_missing: false,
          total_cost: stored.totalCost,
        } satisfies CallRow,
      ]);
      return;
    case 'missing':
      // Unknown, not zero: no cost at all rather than a wrong one.
      expect(await backend.calls(spans)).toEqual([
        {
          ...call(stored.span),
          ...stored.model,
          ...NO_TOKENS,
          usage_missing: true,
          total_cost: null,
        } satisfies CallRow,
      ]);
      return;
    case 'failed':
      expect(await backend.calls(spans)).toEqual([
        {
          ...call(stored.span),
          ...stored.model,
          ...NO_TOKENS,
          usage_missing: false,
          status: 'error',
          error_type: stored.errorType,
          total_cost: '0',
        } satisfies CallRow,
      ]);
      return;
    case 'rows':
      expect(await backend.calls(spans)).toEqual(stored.rows);
      return;
    case 'columns': {
      const rows = await backend.calls(spans);
      expect(rows.map((row) => stored.columns.map((column) => row[column]))).toEqual(stored.rows);
      if (stored.totalCost !== undefined) {
        expect(await backend.totalCost(spans)).toBe(stored.totalCost);
      }
      if (stored.attribution) expect(await backend.attribution(spans)).toEqual(stored.attribution);
      return;
    }
  }
}
