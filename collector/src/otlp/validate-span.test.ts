import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from './types.ts';
import { validateSpan } from './validate-span.ts';

const VALID: DecodedSpan = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: '',
  traceState: '',
  name: 'chat gpt-4o',
  kind: 'CLIENT',
  startTimeUnixNano: 1_760_000_000_000_000_000n,
  endTimeUnixNano: 1_760_000_001_000_000_000n,
  attributes: {},
  droppedAttributesCount: 0,
  events: [],
  links: [],
  status: { code: 'UNSET', message: '' },
};

function check(overrides: Partial<DecodedSpan>): string | null {
  return validateSpan({ ...VALID, ...overrides });
}

describe('validateSpan', () => {
  it('accepts a valid root span, a child span and a zero-length span', () => {
    expect(check({})).toBeNull();
    expect(check({ parentSpanId: '0123456789abcdef' })).toBeNull();
    expect(check({ endTimeUnixNano: VALID.startTimeUnixNano })).toBeNull();
    expect(check({ parentSpanId: '0000000000000000' })).toBeNull();
  });

  it.each([
    ['', 'trace id must be 32 lower-case hex characters (16 bytes), got empty'],
    [
      '5b8efff798038103d269b633813fc6',
      'trace id must be 32 lower-case hex characters (16 bytes), got "5b8efff798038103d269b633813fc6"',
    ],
    [
      '5b8efff798038103d269b633813fc60c00',
      'trace id must be 32 lower-case hex characters (16 bytes), got "5b8efff798038103d269b633813fc60c00"',
    ],
    [
      '5B8EFFF798038103D269B633813FC60C',
      'trace id must be 32 lower-case hex characters (16 bytes), got "5B8EFFF798038103D269B633813FC60C"',
    ],
    [
      'zb8efff798038103d269b633813fc60c',
      'trace id must be 32 lower-case hex characters (16 bytes), got "zb8efff798038103d269b633813fc60c"',
    ],
    ['00000000000000000000000000000000', 'trace id is all zeros'],
    [
      'w47/95gdgqpsabyzgt/gda==',
      'trace id must be 32 lower-case hex characters (16 bytes), got "w47/95gdgqpsabyzgt/gda==" (it looks base64-encoded; OTLP/JSON ids must be hex)',
    ],
    [
      'f'.repeat(100),
      `trace id must be 32 lower-case hex characters (16 bytes), got "${'f'.repeat(40)}…"`,
    ],
  ])('rejects trace id %j', (traceId, reason) => {
    expect(check({ traceId })).toBe(reason);
  });

  it.each([
    ['', 'span id must be 16 lower-case hex characters (8 bytes), got empty'],
    [
      'eee19b7ec3c1b1',
      'span id must be 16 lower-case hex characters (8 bytes), got "eee19b7ec3c1b1"',
    ],
    [
      'eee19b7ec3c1b17g',
      'span id must be 16 lower-case hex characters (8 bytes), got "eee19b7ec3c1b17g"',
    ],
    ['0000000000000000', 'span id is all zeros'],
    [
      '7ugbfspbsxq=',
      'span id must be 16 lower-case hex characters (8 bytes), got "7ugbfspbsxq=" (it looks base64-encoded; OTLP/JSON ids must be hex)',
    ],
  ])('rejects span id %j', (spanId, reason) => {
    expect(check({ spanId })).toBe(reason);
  });

  it.each([['ab'], ['eee19b7ec3c1b174ff'], ['EEE19B7EC3C1B174']])(
    'rejects parent span id %j',
    (parentSpanId) => {
      expect(check({ parentSpanId })).toBe(
        `parent span id must be empty or 16 lower-case hex characters (8 bytes), got "${parentSpanId}"`,
      );
    },
  );

  it('rejects missing or inverted times', () => {
    expect(check({ startTimeUnixNano: 0n })).toBe('start time is zero (not set)');
    expect(check({ endTimeUnixNano: 0n })).toBe('end time is zero (not set)');
    expect(check({ endTimeUnixNano: VALID.startTimeUnixNano - 1n })).toBe(
      'end time 1759999999999999999 is before start time 1760000000000000000',
    );
  });

  it('reports the trace id before the span id, and ids before times', () => {
    expect(check({ traceId: '', spanId: '', startTimeUnixNano: 0n })).toMatch(/^trace id/);
    expect(check({ spanId: '', startTimeUnixNano: 0n })).toMatch(/^span id/);
  });
});
