import { describe, expect, it } from 'vitest';
import type { DecodedTraces } from '../otlp/types.ts';
import { applySpanLimits, CardinalityGuard, OTHER } from './limits.ts';

function traces(attributes: Record<string, string | number>): DecodedTraces {
  return {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'svc' } },
        scopeSpans: [
          {
            scope: { name: 's', version: '', attributes: {} },
            spans: [
              {
                traceId: 'a'.repeat(32),
                spanId: 'b'.repeat(16),
                parentSpanId: '',
                traceState: '',
                name: 'x',
                kind: 'CLIENT',
                startTimeUnixNano: 1n,
                endTimeUnixNano: 2n,
                attributes,
                droppedAttributesCount: 0,
                events: [{ timeUnixNano: 1n, name: 'e', attributes: { big: 'y'.repeat(50) } }],
                links: [],
                status: { code: 'UNSET', message: '' },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('applySpanLimits', () => {
  it('keeps the attributes Tokenwatch reads first, then others up to the limit', () => {
    const attrs: Record<string, string | number> = {};
    for (let i = 0; i < 10; i++) attrs[`noise.${i}`] = 'n';
    attrs['gen_ai.usage.input_tokens'] = 12;
    attrs['tokenwatch.task.id'] = 't';
    const t = traces(attrs);
    const stats = applySpanLimits(t, 4, 1000);
    const kept = t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes;
    expect(Object.keys(kept)).toEqual([
      'gen_ai.usage.input_tokens',
      'tokenwatch.task.id',
      'noise.0',
      'noise.1',
    ]);
    expect(stats).toEqual({ attributesDropped: 8, valuesTruncated: 0 });
  });

  it('cuts long string values, in spans and events, and counts them', () => {
    const t = traces({ prompt: 'p'.repeat(100), short: 'ok' });
    const stats = applySpanLimits(t, 100, 10);
    const span = t.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.attributes).toEqual({ prompt: 'p'.repeat(10), short: 'ok' });
    expect(span.events[0]!.attributes).toEqual({ big: 'y'.repeat(10) });
    expect(stats).toEqual({ attributesDropped: 0, valuesTruncated: 2 });
  });
});

describe('CardinalityGuard', () => {
  it('admits up to the limit per tenant and dimension, then maps new values to _other', () => {
    const guard = new CardinalityGuard(2, 1000);
    expect(guard.admit('t1', 'agent', 'a', 0)).toBe('a');
    expect(guard.admit('t1', 'agent', 'b', 1)).toBe('b');
    expect(guard.admit('t1', 'agent', 'c', 2)).toBe(OTHER);
    // Known values keep passing; other tenants and dimensions have their own budget.
    expect(guard.admit('t1', 'agent', 'a', 3)).toBe('a');
    expect(guard.admit('t2', 'agent', 'c', 4)).toBe('c');
    expect(guard.admit('t1', 'team', 'c', 5)).toBe('c');
    expect(guard.admit('t1', 'agent', '', 6)).toBe('');
  });

  it('starts a fresh budget each window', () => {
    const guard = new CardinalityGuard(1, 1000);
    expect(guard.admit('t', 'feature', 'x', 0)).toBe('x');
    expect(guard.admit('t', 'feature', 'y', 999)).toBe(OTHER);
    expect(guard.admit('t', 'feature', 'y', 1000)).toBe('y');
  });
});
