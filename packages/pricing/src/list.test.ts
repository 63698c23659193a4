import { describe, expect, it } from 'vitest';
import { listPrices } from './list.ts';
import { createPricer } from './pricer.ts';

describe('listPrices', () => {
  it('lists bundled models with per-million prices and the data version', () => {
    // genai-prices 0.1.8, anthropic claude-haiku-4-5: input 1, cache read 0.1, cache write 1.25,
    // 1-hour cache write 2, output 5 USD per million tokens.
    expect(listPrices({ model: 'claude-haiku-4-5' })).toEqual([
      {
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        input: '1',
        cacheRead: '0.1',
        cacheWrite: '1.25',
        cacheWrite1h: '2',
        output: '5',
        tiered: false,
        source: 'genai-prices@0.1.8',
        priceVersion: 'genai-prices@0.1.8',
        effectiveFrom: null,
        discount: null,
      },
    ]);
  });

  it('marks long-context tiers and lists the base price', () => {
    const [sonnet] = listPrices({ model: 'CLAUDE-SONNET-4-5' });
    expect(sonnet).toMatchObject({ input: '3', output: '15', tiered: true });
  });

  it('lists overrides first, with the version stored with the calls they price', () => {
    const overrides = [
      { model: 'gpt-4o*', provider: 'openai', input: '2', cache_read: '0.5', output: '8' },
      { model: 'claude-*', discount: '0.1', effective_from: '2026-01-01' },
    ];
    const listings = listPrices({ overrides, model: 'gpt-4o*' });
    expect(listings[0]).toEqual({
      provider: 'openai',
      model: 'gpt-4o*',
      input: '2',
      cacheRead: '0.5',
      // Unset cache-write prices default to the input price, as the pricer uses them.
      cacheWrite: '2',
      cacheWrite1h: '2',
      output: '8',
      tiered: false,
      source: 'tokenwatch.yaml',
      priceVersion: expect.stringMatching(/^override:[0-9a-f]{12}$/),
      effectiveFrom: null,
      discount: null,
    });
    // The same version the pricer stores for a call the override prices.
    const priced = createPricer({ overrides }).price({
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: '',
      startTimeNs: 0n,
      inputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
    expect(priced.priced && priced.priceVersion).toBe(listings[0]!.priceVersion);
    // The rest are bundled models the glob matches.
    expect(listings.slice(1).every((l) => l.source === 'genai-prices@0.1.8')).toBe(true);
    expect(listings.map((l) => l.model)).toContain('gpt-4o-mini');

    const [discount] = listPrices({ overrides, model: 'claude-*' });
    expect(discount).toMatchObject({
      provider: '',
      model: 'claude-*',
      input: null,
      discount: '0.1',
      effectiveFrom: '2026-01-01',
    });
  });

  it('refuses an invalid override as the pricer does', () => {
    expect(() => listPrices({ overrides: [{ model: 'x', input: '1' }] })).toThrow(
      /input and output are required/,
    );
  });
});
