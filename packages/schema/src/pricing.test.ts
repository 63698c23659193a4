import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PriceOverrideSchema, PriceOverridesSchema } from './pricing.ts';

function issues(input: unknown): { path: string; message: string }[] {
  const result = PriceOverrideSchema.safeParse(input);
  if (result.success) throw new Error(`expected a failure for ${JSON.stringify(input)}`);
  return result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
}

describe('PriceOverrideSchema', () => {
  it('reads numbers and decimal strings into plain decimal strings', () => {
    expect(
      PriceOverrideSchema.parse({
        model: 'gpt-4o',
        provider: 'openai',
        input: 2.5,
        cache_read: '1.25',
        cache_write: 0,
        output: '10.000',
      }),
    ).toEqual({
      model: 'gpt-4o',
      provider: 'openai',
      input: '2.5',
      cache_read: '1.25',
      cache_write: '0',
      output: '10.000',
    });
  });

  it('never writes an exponent, even for prices YAML reads as tiny or huge doubles', () => {
    // String(1.5e-7) is "1.5e-7" and String(2e21) is "2e+21": both must come out plain.
    const parsed = PriceOverrideSchema.parse({ model: 'm', input: 1.5e-7, output: 2e21 });
    expect(parsed.input).toBe('0.00000015');
    expect(parsed.output).toBe('2000000000000000000000');
    expect(PriceOverrideSchema.parse({ model: 'm', input: 0.1, output: 3e-7 }).output).toBe(
      '0.0000003',
    );
  });

  it('rejects negative, NaN, infinite and malformed prices with a readable message', () => {
    const message = 'expected a non-negative decimal number, e.g. 2.5 or "0.075"';
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '-0.5', '1e-7', '', ' 2', '2.']) {
      expect(issues({ model: 'm', input: bad, output: 1 })).toEqual([{ path: 'input', message }]);
    }
  });

  it('accepts a discount-only override and discounts between 0 and 1 inclusive', () => {
    expect(PriceOverrideSchema.parse({ model: 'claude-*', discount: 0.2 })).toEqual({
      model: 'claude-*',
      discount: '0.2',
    });
    expect(PriceOverrideSchema.parse({ model: '*', discount: '1.00' }).discount).toBe('1.00');
    expect(PriceOverrideSchema.parse({ model: '*', discount: 0 }).discount).toBe('0');
    for (const bad of [1.01, -0.1, '1.0000000000000000001', '0.', 'twenty']) {
      expect(issues({ model: '*', discount: bad })).toEqual([
        {
          path: 'discount',
          message: 'expected a fraction between 0 and 1, e.g. 0.2 for a 20% discount',
        },
      ]);
    }
  });

  it('needs either prices or a discount, and both input and output once prices are given', () => {
    expect(issues({ model: 'gpt-4o' })).toEqual([
      { path: 'discount', message: 'an override needs prices (input and output) or a discount' },
    ]);
    expect(issues({ model: 'gpt-4o', cache_read: 1 })).toEqual([
      { path: 'input', message: 'input is required when an override sets prices' },
      { path: 'output', message: 'output is required when an override sets prices' },
    ]);
  });

  it('takes a date or an offset date-time for effective_from and rejects anything else', () => {
    expect(
      PriceOverrideSchema.parse({ model: 'o3', input: 2, output: 8, effective_from: '2025-06-10' })
        .effective_from,
    ).toBe('2025-06-10');
    expect(
      PriceOverrideSchema.parse({
        model: 'o3',
        input: 2,
        output: 8,
        effective_from: '2025-06-10T09:30:00+02:00',
      }).effective_from,
    ).toBe('2025-06-10T09:30:00+02:00');
    // No offset means "local time of whichever machine reads it": refused rather than guessed.
    for (const bad of ['2025-06-10T09:30:00', '2025-02-30', '10/06/2025', 20250610]) {
      expect(issues({ model: 'o3', input: 2, output: 8, effective_from: bad })[0]?.path).toBe(
        'effective_from',
      );
    }
  });

  it('trims names, refuses empty ones and unknown keys', () => {
    expect(PriceOverrideSchema.parse({ model: ' gpt-4o ', discount: 0.1 }).model).toBe('gpt-4o');
    expect(issues({ model: '  ', discount: 0.1 })[0]?.path).toBe('model');
    expect(issues({ model: 'gpt-4o', discount: 0.1, input_price: 3 })[0]).toMatchObject({
      path: '',
      message: expect.stringContaining('input_price'),
    });
  });

  it('parses a list and converts to JSON Schema for editor support', () => {
    expect(PriceOverridesSchema.parse([{ model: 'a', discount: 0.5 }])).toHaveLength(1);
    const schema = z.toJSONSchema(PriceOverrideSchema, { io: 'input' });
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(Object.keys(schema.properties ?? {})).toEqual([
      'model',
      'provider',
      'input',
      'cache_read',
      'cache_write',
      'output',
      'effective_from',
      'discount',
    ]);
  });
});
