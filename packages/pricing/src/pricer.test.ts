import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PRICE_VERSION } from './catalog.ts';
import {
  createPricer,
  type PriceableCall,
  type PriceOverrideSpec,
  type PriceResult,
} from './pricer.ts';

/** Nanoseconds since the epoch for an ISO instant. */
const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

function call(fields: Partial<PriceableCall>): PriceableCall {
  return {
    provider: '',
    requestModel: '',
    responseModel: '',
    startTimeNs: at('2026-11-01T20:00:00Z'),
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    ...fields,
  };
}

/** The priced fields, or a failure that shows the reason. */
function costs(result: PriceResult) {
  if (!result.priced) throw new Error(`unpriced: ${result.reason}`);
  const { inputCost, cacheReadCost, cacheWriteCost, outputCost, totalCost } = result;
  return { inputCost, cacheReadCost, cacheWriteCost, outputCost, totalCost };
}

// OpenAI reports prompt_tokens = 6354 with cached_tokens = 5120: normalized to 1234 uncached.
const gpt4oCall = call({
  provider: 'openai',
  requestModel: 'gpt-4o',
  responseModel: 'gpt-4o-2024-08-06',
  inputTokens: 1234,
  cacheReadTokens: 5120,
  outputTokens: 321,
});

// Anthropic's input_tokens is already uncached; cache reads and writes come apart.
const sonnetCall = call({
  provider: 'anthropic',
  requestModel: 'claude-sonnet-4-20250514',
  responseModel: 'claude-sonnet-4-20250514',
  inputTokens: 1500,
  cacheReadTokens: 40_000,
  cacheWriteTokens: 2048,
  outputTokens: 700,
});

describe('bundled prices', () => {
  const pricer = createPricer();

  it('prices gpt-4o with cached prompt tokens at the cache-read price', () => {
    // genai-prices 0.1.8, openai gpt-4o (matches gpt-4o-2024-08-06): input 2.5, cache read 1.25,
    // output 10 USD per million tokens.
    //   input       1234 × 2.5  / 1e6 = 0.003085
    //   cache read  5120 × 1.25 / 1e6 = 0.0064     (6400 / 1e6; at the input price it would be 0.0128)
    //   output       321 × 10   / 1e6 = 0.00321
    //   total 0.003085 + 0.0064 + 0.00321 = 0.012695
    const result = pricer.price(gpt4oCall);
    expect(result).toEqual({
      priced: true,
      inputCost: '0.003085',
      cacheReadCost: '0.0064',
      cacheWriteCost: '0',
      outputCost: '0.00321',
      totalCost: '0.012695',
      priceSource: 'genai-prices',
      priceVersion: 'genai-prices@0.1.8',
      matchedModel: 'openai:gpt-4o',
    });
  });

  it('prices Claude Sonnet 4 with cache reads and cache writes', () => {
    // anthropic claude-sonnet-4-0 (matches claude-sonnet-4-2025*): input 3, cache write 3.75,
    // cache read 0.3, output 15 USD per million tokens.
    //   input        1500 × 3    / 1e6 = 0.0045
    //   cache read  40000 × 0.3  / 1e6 = 0.012
    //   cache write  2048 × 3.75 / 1e6 = 0.00768
    //   output        700 × 15   / 1e6 = 0.0105
    //   total 0.0045 + 0.012 + 0.00768 + 0.0105 = 0.03468
    const expected = {
      inputCost: '0.0045',
      cacheReadCost: '0.012',
      cacheWriteCost: '0.00768',
      outputCost: '0.0105',
      totalCost: '0.03468',
    };
    expect(costs(pricer.price(sonnetCall))).toEqual(expected);
    // The Vercel AI SDK reports the provider as `anthropic.messages` and may lack a response model.
    const aiSdk = pricer.price({
      ...sonnetCall,
      provider: 'anthropic.messages',
      responseModel: '',
    });
    expect(costs(aiSdk)).toEqual(expected);
    expect(aiSdk).toMatchObject({ matchedModel: 'anthropic:claude-sonnet-4-0' });
  });

  it('prices 1-hour cache writes at their own rate, the rest at the 5-minute one', () => {
    // anthropic claude-sonnet-4-0: cache write 3.75 (5 minutes, 1.25 × input), cache_write_1h 6
    // (2 × input) USD per million tokens; of the 2048 writes, 1024 went to the 1-hour cache.
    //   cache write  1024 × 3.75 / 1e6 = 0.00384
    //              + 1024 × 6    / 1e6 = 0.006144  → 0.009984
    //   input 0.0045, cache read 0.012, output 0.0105 as above
    //   total 0.0045 + 0.012 + 0.009984 + 0.0105 = 0.036984
    expect(costs(pricer.price({ ...sonnetCall, cacheWrite1hTokens: 1024 }))).toEqual({
      inputCost: '0.0045',
      cacheReadCost: '0.012',
      cacheWriteCost: '0.009984',
      outputCost: '0.0105',
      totalCost: '0.036984',
    });
    // More 1-hour writes than writes: capped at the writes, all priced at the 1-hour rate.
    //   2048 × 6 / 1e6 = 0.012288
    expect(costs(pricer.price({ ...sonnetCall, cacheWrite1hTokens: 5000 }))).toMatchObject({
      cacheWriteCost: '0.012288',
    });
  });

  it("derives the 1-hour write rate from Anthropic's 2 × input where the data has none", () => {
    // aws regional.anthropic.claude-sonnet-4-20250514-v1:0: input 3, cache write 3.75, no
    // cache_write_1h price: 1-hour writes cost 2 × 3 = 6 per million.
    //   cache write 1000 × 3.75 / 1e6 = 0.00375 + 1000 × 6 / 1e6 = 0.006 → 0.00975
    const bedrock = call({
      provider: 'aws.bedrock',
      requestModel: 'anthropic.claude-sonnet-4-20250514-v1:0',
      cacheWriteTokens: 2000,
      cacheWrite1hTokens: 1000,
    });
    expect(costs(pricer.price(bedrock))).toMatchObject({
      cacheWriteCost: '0.00975',
      totalCost: '0.00975',
    });
  });

  it('bills reasoning as part of the output of an o-series model', () => {
    // openai o4-mini: input 1.1, cache read 0.275, output 4.4 USD per million tokens.
    //   input   2000 × 1.1 / 1e6 = 0.0022
    //   output  3000 × 4.4 / 1e6 = 0.0132   (the 2400 reasoning tokens are inside the 3000)
    //   total 0.0154; adding reasoning on top would give 5400 × 4.4 / 1e6 = 0.02376 for output.
    const o4 = call({
      provider: 'openai',
      requestModel: 'o4-mini',
      responseModel: 'o4-mini-2025-04-16',
      inputTokens: 2000,
      outputTokens: 3000,
      reasoningTokens: 2400,
    });
    const expected = {
      inputCost: '0.0022',
      cacheReadCost: '0',
      cacheWriteCost: '0',
      outputCost: '0.0132',
      totalCost: '0.0154',
    };
    expect(costs(pricer.price(o4))).toEqual(expected);
    expect(costs(pricer.price({ ...o4, reasoningTokens: 0 }))).toEqual(expected);
  });

  it('uses a separate reasoning price where the model has one', () => {
    // perplexity sonar-deep-research: input 2, output 8, output reasoning 3 USD per million.
    //   input                 1000 × 2 / 1e6 = 0.002
    //   output (non-reasoning) 4000 × 8 / 1e6 = 0.032
    //   output (reasoning)     6000 × 3 / 1e6 = 0.018   → output 0.05
    //   total 0.052
    const result = pricer.price(
      call({
        provider: 'perplexity',
        requestModel: 'sonar-deep-research',
        inputTokens: 1000,
        outputTokens: 10_000,
        reasoningTokens: 6000,
      }),
    );
    expect(costs(result)).toMatchObject({ outputCost: '0.05', totalCost: '0.052' });
  });

  it('switches o3 to its June 2025 price at midnight UTC', () => {
    // openai o3 before 2025-06-10: input 10, output 40; from then on: input 2, output 8.
    //   before: 1000 × 10 / 1e6 = 0.01,  5000 × 40 / 1e6 = 0.2,  total 0.21
    //   after:  1000 × 2  / 1e6 = 0.002, 5000 × 8  / 1e6 = 0.04, total 0.042
    const o3 = call({
      provider: 'openai',
      requestModel: 'o3',
      inputTokens: 1000,
      outputTokens: 5000,
      reasoningTokens: 4000,
    });
    const boundary = at('2025-06-10T00:00:00Z');
    expect(costs(pricer.price({ ...o3, startTimeNs: boundary - 1n })).totalCost).toBe('0.21');
    expect(costs(pricer.price({ ...o3, startTimeNs: boundary })).totalCost).toBe('0.042');
  });

  it('prices the whole call at the long-context tier once the prompt exceeds 200k tokens', () => {
    // anthropic claude-sonnet-4-5: base input 3, cache write 3.75, cache read 0.3, output 15;
    // prompts over 200000 tokens: 6, 7.5, 0.6, 22.5. The prompt is input + cache read + cache write.
    // At exactly 200000 (10000 + 150000 + 40000) the base prices apply:
    //   10000 × 3 = 0.03, 150000 × 0.3 = 0.045, 40000 × 3.75 = 0.15, 1000 × 15 = 0.015 → 0.24
    const atThreshold = call({
      provider: 'anthropic',
      requestModel: 'claude-sonnet-4-5',
      responseModel: 'claude-sonnet-4-5-20250929',
      inputTokens: 10_000,
      cacheReadTokens: 150_000,
      cacheWriteTokens: 40_000,
      outputTokens: 1000,
    });
    expect(costs(pricer.price(atThreshold))).toEqual({
      inputCost: '0.03',
      cacheReadCost: '0.045',
      cacheWriteCost: '0.15',
      outputCost: '0.015',
      totalCost: '0.24',
    });
    // One more uncached token makes 200001, although uncached input alone is only 10001:
    //   10001 × 6 = 0.060006, 150000 × 0.6 = 0.09, 40000 × 7.5 = 0.3, 1000 × 22.5 = 0.0225
    //   total 0.060006 + 0.09 + 0.3 + 0.0225 = 0.472506
    expect(costs(pricer.price({ ...atThreshold, inputTokens: 10_001 }))).toEqual({
      inputCost: '0.060006',
      cacheReadCost: '0.09',
      cacheWriteCost: '0.3',
      outputCost: '0.0225',
      totalCost: '0.472506',
    });
  });

  it("applies DeepSeek's time-of-day prices, found by model name under provider openai", () => {
    // deepseek-chat 00:30–16:30 UTC: input 0.27, output 1.1; otherwise input 0.135, output 0.55.
    //   peak:     10000 × 0.27  = 0.0027,  1000 × 1.1  = 0.0011,  total 0.0038
    //   off-peak: 10000 × 0.135 = 0.00135, 1000 × 0.55 = 0.00055, total 0.0019
    const deepseek = call({
      provider: 'openai',
      requestModel: 'deepseek-chat',
      inputTokens: 10_000,
      outputTokens: 1000,
    });
    const peak = pricer.price({ ...deepseek, startTimeNs: at('2026-11-02T12:00:00Z') });
    expect(peak).toMatchObject({ totalCost: '0.0038', matchedModel: 'deepseek:deepseek-chat' });
    const offPeak = pricer.price({ ...deepseek, startTimeNs: at('2026-11-02T16:30:00Z') });
    expect(offPeak).toMatchObject({ totalCost: '0.0019' });
  });

  it('maps cloud provider names to their own catalogs and matches by model when unknown', () => {
    expect(
      pricer.price(call({ provider: 'gcp.vertex_ai', requestModel: 'claude-sonnet-4-5@20250929' })),
    ).toMatchObject({ matchedModel: 'google:claude-sonnet-4-5' });
    expect(
      pricer.price(call({ provider: 'azure.ai.openai', requestModel: 'gpt-4o' })),
    ).toMatchObject({ matchedModel: 'azure:gpt-4o' });
    expect(pricer.price(call({ provider: '', requestModel: 'gpt-4o' }))).toMatchObject({
      matchedModel: 'openai:gpt-4o',
    });
    expect(
      pricer.price(
        call({ provider: 'ibm.watsonx.ai', requestModel: 'claude-3-5-sonnet-20241022' }),
      ),
    ).toMatchObject({ matchedModel: 'anthropic:claude-3-5-sonnet' });
  });

  it('prefers the dated response model and falls back to the request model', () => {
    // gpt-4o-2024-05-13 has its own price (input 5, no cache price: cached tokens cost 5 too):
    //   1000 × 5 / 1e6 = 0.005 input, 1000 × 5 / 1e6 = 0.005 cache read, total 0.01
    const may = call({
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-05-13',
      inputTokens: 1000,
      cacheReadTokens: 1000,
    });
    expect(pricer.price(may)).toMatchObject({
      cacheReadCost: '0.005',
      totalCost: '0.01',
      matchedModel: 'openai:gpt-4o-2024-05-13',
    });
    // Unknown snapshot: the alias prices it (1000 × 2.5 + 1000 × 1.25 → 0.00375).
    const unknownSnapshot = pricer.price({ ...may, responseModel: 'gpt-4o-2099-01-01' });
    expect(unknownSnapshot).toMatchObject({ totalCost: '0.00375', matchedModel: 'openai:gpt-4o' });
  });

  it('reports unknown models as unpriced with a reason, never as costing 0', () => {
    expect(
      pricer.price(
        call({ provider: 'openai', requestModel: 'gpt-9', responseModel: 'gpt-9-2027' }),
      ),
    ).toEqual({
      priced: false,
      reason: `no price for model "gpt-9-2027" / "gpt-9" (provider "openai") in overrides or ${BUNDLED_PRICE_VERSION}`,
    });
    expect(pricer.price(call({ provider: 'openai' }))).toEqual({
      priced: false,
      reason: 'the call names no model',
    });
    const ocr = pricer.price(call({ provider: 'mistral', requestModel: 'mistral-ocr-latest' }));
    expect(ocr).toMatchObject({ priced: false, reason: expect.stringContaining('per-token') });
  });

  it('refuses impossible token counts instead of throwing', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(pricer.price({ ...gpt4oCall, outputTokens: bad })).toMatchObject({ priced: false });
    }
  });

  it('leaves out per-request fees, which have no cost component', () => {
    // perplexity sonar: input 1, output 1 per million, plus 12 USD per 1000 requests.
    // Tokens: 1000 × 1 / 1e6 + 1000 × 1 / 1e6 = 0.002; the library adds 0.012 for the request.
    const sonar = call({
      provider: 'perplexity',
      requestModel: 'sonar',
      inputTokens: 1000,
      outputTokens: 1000,
    });
    expect(costs(pricer.price(sonar)).totalCost).toBe('0.002');
    const library = calcPrice({ input_tokens: 1000, output_tokens: 1000 }, 'sonar', {
      providerId: 'perplexity',
    });
    expect(library?.total_price).toBeCloseTo(0.014, 12);
  });

  it('agrees with the library, which takes input tokens inclusive of cache', () => {
    const cases: { call: PriceableCall; model: string; providerId: string }[] = [
      { call: gpt4oCall, model: 'gpt-4o-2024-08-06', providerId: 'openai' },
      { call: sonnetCall, model: 'claude-sonnet-4-20250514', providerId: 'anthropic' },
      {
        call: call({
          provider: 'anthropic',
          requestModel: 'claude-sonnet-4-5',
          inputTokens: 10_001,
          cacheReadTokens: 150_000,
          cacheWriteTokens: 40_000,
          outputTokens: 1000,
        }),
        model: 'claude-sonnet-4-5',
        providerId: 'anthropic',
      },
      {
        call: call({
          provider: 'google',
          requestModel: 'gemini-2.5-pro',
          inputTokens: 250_000,
          cacheReadTokens: 7,
          outputTokens: 999,
        }),
        model: 'gemini-2.5-pro',
        providerId: 'google',
      },
      {
        call: call({
          provider: 'perplexity',
          requestModel: 'sonar-deep-research',
          inputTokens: 1000,
          outputTokens: 10_000,
          reasoningTokens: 6000,
        }),
        model: 'sonar-deep-research',
        providerId: 'perplexity',
      },
    ];
    for (const { call: c, model, providerId } of cases) {
      const library = calcPrice(
        {
          input_tokens: c.inputTokens + c.cacheReadTokens + c.cacheWriteTokens,
          cache_read_tokens: c.cacheReadTokens,
          cache_write_tokens: c.cacheWriteTokens,
          output_tokens: c.outputTokens,
          output_reasoning_tokens: c.reasoningTokens,
        },
        model,
        { providerId, timestamp: new Date(Number(c.startTimeNs / 1_000_000n)) },
      );
      expect(Number(costs(pricer.price(c)).totalCost)).toBeCloseTo(library?.total_price ?? -1, 12);
    }
  });
});

describe('overrides', () => {
  it('beat the bundled price', () => {
    // Override: input 2, cache read 0.5, output 8 per million.
    //   1234 × 2 / 1e6 = 0.002468, 5120 × 0.5 / 1e6 = 0.00256, 321 × 8 / 1e6 = 0.002568
    //   total 0.007596 (the bundled price gives 0.012695)
    const pricer = createPricer({
      overrides: [
        { model: 'gpt-4o*', provider: 'openai', input: '2', cache_read: '0.5', output: '8' },
      ],
    });
    const result = pricer.price(gpt4oCall);
    expect(result).toMatchObject({
      priced: true,
      inputCost: '0.002468',
      cacheReadCost: '0.00256',
      cacheWriteCost: '0',
      outputCost: '0.002568',
      totalCost: '0.007596',
      priceSource: 'override',
      matchedModel: 'openai:gpt-4o*',
    });
    expect(result.priced && result.priceVersion).toMatch(/^override:[0-9a-f]{12}$/);
    // `openai` names the same provider as the AI SDK's `openai.chat`, but not as Azure.
    expect(pricer.price({ ...gpt4oCall, provider: 'openai.chat' })).toMatchObject({
      totalCost: '0.007596',
    });
    expect(pricer.price({ ...gpt4oCall, provider: 'azure.ai.openai' })).toMatchObject({
      priceSource: 'genai-prices',
    });
  });

  it('price models the bundled data does not know, matching case-insensitively', () => {
    const pricer = createPricer({ overrides: [{ model: 'ACME-Llm', input: 1, output: 2 }] });
    // 1000 × 1 / 1e6 = 0.001 input, 500 × 2 / 1e6 = 0.001 output
    const result = pricer.price(
      call({ requestModel: 'acme-llm', inputTokens: 1000, outputTokens: 500 }),
    );
    expect(result).toMatchObject({ totalCost: '0.002', matchedModel: 'ACME-Llm' });
  });

  it('switch at effective_from: the latest one not after the call applies', () => {
    // Listed out of order on purpose: the choice must not depend on the order in the file.
    const overrides: PriceOverrideSpec[] = [
      { model: 'acme-llm', input: '0.25', output: '0.5', effective_from: '2026-02-01' },
      { model: 'acme-llm', input: 1, output: 2 },
      { model: 'acme-llm', input: '0.5', output: '1', effective_from: '2026-01-01' },
    ];
    const pricer = createPricer({ overrides });
    const c = call({ requestModel: 'acme-llm', inputTokens: 1000, outputTokens: 1000 });
    const total = (startTimeNs: bigint) => costs(pricer.price({ ...c, startTimeNs })).totalCost;
    const newYear = at('2026-01-01T00:00:00Z');
    // Before: 1000 × 1 + 1000 × 2 → 0.003. From 2026-01-01: 1000 × 0.5 + 1000 × 1 → 0.0015.
    // From 2026-02-01: 1000 × 0.25 + 1000 × 0.5 → 0.00075.
    expect(total(newYear - 1n)).toBe('0.003');
    expect(total(newYear)).toBe('0.0015');
    expect(total(at('2026-01-31T23:59:59.999Z'))).toBe('0.0015');
    expect(total(at('2026-02-01T00:00:00Z'))).toBe('0.00075');
  });

  it('apply a discount-only override to the bundled price', () => {
    // 15% off Claude Sonnet 4 (bundled components above × 0.85):
    //   0.0045 × 0.85 = 0.003825, 0.012 × 0.85 = 0.0102, 0.00768 × 0.85 = 0.006528,
    //   0.0105 × 0.85 = 0.008925; total 0.029478 (= 0.03468 × 0.85)
    const pricer = createPricer({
      overrides: [{ model: 'claude-sonnet-4*', provider: 'anthropic', discount: '0.15' }],
    });
    const result = pricer.price(sonnetCall);
    expect(result).toMatchObject({
      inputCost: '0.003825',
      cacheReadCost: '0.0102',
      cacheWriteCost: '0.006528',
      outputCost: '0.008925',
      totalCost: '0.029478',
      priceSource: 'override',
      matchedModel: 'anthropic:claude-sonnet-4-0',
    });
    expect(result.priced && result.priceVersion).toMatch(
      /^genai-prices@0\.1\.8\+override:[0-9a-f]{12}$/,
    );
    const unknown = pricer.price({
      ...sonnetCall,
      requestModel: 'claude-sonnet-4x',
      responseModel: '',
    });
    expect(unknown).toMatchObject({ priced: false, reason: expect.stringContaining('discount') });
  });

  it('round each discounted component half-even to 12 places; the total adds them up', () => {
    // Per million: input 0.000003 (cache read defaults to it), output 0.000005; 50% off; 1 token each:
    //   input      0.000003 × 1 / 1e6 × 0.5 = 1.5e-12 → 2e-12 (tie to even)
    //   cache read                           1.5e-12 → 2e-12
    //   output     0.000005 × 1 / 1e6 × 0.5 = 2.5e-12 → 2e-12 (tie to even)
    //   total 6e-12, the sum of the rounded components
    const pricer = createPricer({
      overrides: [{ model: 'tiny', input: '0.000003', output: '0.000005', discount: 0.5 }],
    });
    const result = pricer.price(
      call({ requestModel: 'tiny', inputTokens: 1, cacheReadTokens: 1, outputTokens: 1 }),
    );
    expect(costs(result)).toEqual({
      inputCost: '0.000000000002',
      cacheReadCost: '0.000000000002',
      cacheWriteCost: '0',
      outputCost: '0.000000000002',
      totalCost: '0.000000000006',
    });
  });

  it('prefer an exact model over a glob, and look at the request model too', () => {
    const pricer = createPricer({
      overrides: [
        { model: '*', discount: 0.5 },
        { model: 'gpt-4o-2024-08-06', input: 1, output: 1 },
        { model: 'my-alias', input: 3, output: 3 },
      ],
    });
    // Exact: 1234 × 1 + 5120 × 1 (cache read = input price) + 321 × 1 = 6675 → 0.006675
    expect(pricer.price(gpt4oCall)).toMatchObject({ totalCost: '0.006675' });
    // The response model matches nothing specific, the request model does: 1000 × 3 → 0.003.
    const alias = call({
      requestModel: 'my-alias',
      responseModel: 'my-alias-v7',
      inputTokens: 1000,
    });
    expect(pricer.price(alias)).toMatchObject({ totalCost: '0.003', matchedModel: 'my-alias' });
    // Only the catch-all matches: half the bundled 0.03468.
    expect(pricer.price(sonnetCall)).toMatchObject({ totalCost: '0.01734' });
  });

  it('are checked when the pricer is created', () => {
    const bad: PriceOverrideSpec[] = [
      { model: 'x', input: -1, output: 1 },
      { model: 'x', input: 1 },
      { model: 'x', discount: 1.5 },
      { model: 'x' },
      { model: ' ', discount: 0.1 },
      { model: 'x', input: 'cheap', output: 1 },
      { model: 'x', discount: 0.1, effective_from: 'someday' },
      { model: 'x', discount: 0.1, effective_from: '2026-01-01T00:00:00' },
    ];
    for (const override of bad) {
      expect(() => createPricer({ overrides: [override] })).toThrow(RangeError);
    }
  });
});

describe('reported costs', () => {
  it('win and are split in proportion to the list price', () => {
    // OpenRouter billed 0.010156 = 0.8 × the list 0.012695, so each component is 0.8 × its list
    // value: 0.003085 → 0.002468, 0.0064 → 0.00512, 0.00321 → 0.002568.
    const result = createPricer().price({ ...gpt4oCall, reportedCostUsd: '0.010156' });
    expect(result).toEqual({
      priced: true,
      inputCost: '0.002468',
      cacheReadCost: '0.00512',
      cacheWriteCost: '0',
      outputCost: '0.002568',
      totalCost: '0.010156',
      priceSource: 'reported',
      priceVersion: 'reported',
      matchedModel: 'openai:gpt-4o',
    });
  });

  it('split by largest remainder so the components add up to the total exactly', () => {
    // 10 steps of 1e-12 split 3085 : 6400 : 0 : 3210 (list total 12695):
    //   30850/12695 = 2.43, 64000/12695 = 5.04, 0, 32100/12695 = 2.53 → floors 2 + 5 + 0 + 2 = 9;
    //   the one step left goes to the largest remainder (output, .53) → 2, 5, 0, 3.
    const result = createPricer().price({ ...gpt4oCall, reportedCostUsd: 1e-11 });
    expect(costs(result)).toEqual({
      inputCost: '0.000000000002',
      cacheReadCost: '0.000000000005',
      cacheWriteCost: '0',
      outputCost: '0.000000000003',
      totalCost: '0.00000000001',
    });
  });

  it('beat overrides and discounts', () => {
    const pricer = createPricer({ overrides: [{ model: 'gpt-4o*', discount: 0.5 }] });
    const result = pricer.price({ ...gpt4oCall, reportedCostUsd: 0.0123 });
    expect(result).toMatchObject({ totalCost: '0.0123', priceSource: 'reported' });
  });

  it('leave the components null when there is no list price to split by', () => {
    const unknown = call({
      provider: 'openrouter',
      requestModel: 'acme/secret-model',
      responseModel: 'acme/secret-model-0611',
      inputTokens: 100,
      reportedCostUsd: '0.00042',
    });
    expect(createPricer().price(unknown)).toEqual({
      priced: true,
      inputCost: null,
      cacheReadCost: null,
      cacheWriteCost: null,
      outputCost: null,
      totalCost: '0.00042',
      priceSource: 'reported',
      priceVersion: 'reported',
      matchedModel: 'acme/secret-model-0611',
    });
  });

  it('are ignored when unusable, and a reported zero is a real zero', () => {
    const pricer = createPricer();
    for (const bad of ['n/a', '-0.01', '', Number.NaN]) {
      expect(pricer.price({ ...gpt4oCall, reportedCostUsd: bad })).toMatchObject({
        totalCost: '0.012695',
        priceSource: 'genai-prices',
      });
    }
    expect(costs(pricer.price({ ...gpt4oCall, reportedCostUsd: 0 }))).toEqual({
      inputCost: '0',
      cacheReadCost: '0',
      cacheWriteCost: '0',
      outputCost: '0',
      totalCost: '0',
    });
  });
});
