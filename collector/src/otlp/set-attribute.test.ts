import { describe, expect, it } from 'vitest';
import { setAttribute } from './set-attribute.ts';
import type { Attributes } from './types.ts';

describe('setAttribute', () => {
  it('assigns ordinary keys and lets the last duplicate win', () => {
    const attributes: Attributes = {};
    setAttribute(attributes, 'gen_ai.request.model', 'a');
    setAttribute(attributes, 'gen_ai.request.model', 'b');
    setAttribute(attributes, 'n', 1);
    expect(attributes).toEqual({ 'gen_ai.request.model': 'b', n: 1 });
  });

  it('stores __proto__ as an own enumerable property without touching the prototype', () => {
    const attributes: Attributes = {};
    setAttribute(attributes, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect((attributes as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(attributes)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toEqual({
      polluted: true,
    });
    // A later duplicate still wins.
    setAttribute(attributes, '__proto__', 'x');
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toBe('x');
  });
});
