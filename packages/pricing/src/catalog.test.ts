import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import {
  canonicalProvider,
  createCatalog,
  defaultCatalog,
  GENAI_PRICES_VERSION,
  getContextWindow,
  libraryProviderId,
  priceAt,
  rateFor,
  tokenRates,
} from './catalog.ts';

const ms = (iso: string) => Date.parse(iso);

describe('bundled data version', () => {
  it('names the installed @pydantic/genai-prices version', () => {
    // The package's exports hide package.json, so find it next to the resolved entry point.
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
    expect(manifest.version).toBe(GENAI_PRICES_VERSION);
  });
});

describe('libraryProviderId', () => {
  it('maps provider names as telemetry carries them to library provider ids', () => {
    const expected: Record<string, string | undefined> = {
      openai: 'openai',
      anthropic: 'anthropic',
      'gcp.vertex_ai': 'google',
      'gcp.gemini': 'google',
      'gcp.gen_ai': 'google',
      vertex_ai: 'google',
      'aws.bedrock': 'aws',
      'azure.ai.openai': 'azure',
      'az.ai.openai': 'azure',
      'azure.ai.inference': 'azure',
      // Vercel AI SDK `ai.model.provider` values: the part before the dot names the vendor.
      'openai.chat': 'openai',
      'openai.responses': 'openai',
      'anthropic.messages': 'anthropic',
      'google.vertex.chat': 'google',
      'amazon-bedrock': 'aws',
      // OpenLLMetry's legacy capitalized gen_ai.system values.
      OpenAI: 'openai',
      Azure: 'azure',
      AWS: 'aws',
      Google: 'google',
      x_ai: 'x-ai',
      mistral_ai: 'mistral',
      moonshot_ai: 'moonshotai',
      deepseek: 'deepseek',
      ' OpenRouter ': 'openrouter',
      'ibm.watsonx.ai': undefined,
      '': undefined,
    };
    for (const [name, id] of Object.entries(expected)) {
      expect([name, libraryProviderId(name)]).toEqual([name, id]);
      // Every id handed to the library must be one it knows.
      if (id) expect(findProvider({ providerId: id })?.id).toBe(id);
    }
  });

  it('compares providers for overrides by library id, else by lower-cased name', () => {
    expect(canonicalProvider('openai.chat')).toBe(canonicalProvider('OpenAI'));
    expect(canonicalProvider('azure.ai.openai')).toBe('azure');
    expect(canonicalProvider(' My-Gateway ')).toBe('my-gateway');
  });
});

describe('catalog lookups', () => {
  it('prefers the response model, then the request model, then matches by name alone', () => {
    const catalog = createCatalog();
    // The dated snapshot has its own (higher) price; it must win over the alias.
    expect(catalog.find('openai', 'gpt-4o-2024-05-13', 'gpt-4o')?.matchedModel).toBe(
      'openai:gpt-4o-2024-05-13',
    );
    expect(catalog.find('openai', 'gpt-4o-not-a-snapshot', 'gpt-4o')?.matchedModel).toBe(
      'openai:gpt-4o',
    );
    // OpenAI-compatible clients call other vendors with provider "openai".
    expect(catalog.find('openai', '', 'deepseek-chat')?.matchedModel).toBe(
      'deepseek:deepseek-chat',
    );
    expect(catalog.find('', 'claude-3-5-sonnet-20241022', '')?.matchedModel).toBe(
      'anthropic:claude-3-5-sonnet',
    );
    expect(catalog.find('gcp.vertex_ai', '', 'claude-sonnet-4-5@20250929')?.matchedModel).toBe(
      'google:claude-sonnet-4-5',
    );
    expect(
      catalog.find('aws.bedrock', '', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0')?.matchedModel,
    ).toBe('aws:regional.anthropic.claude-3-5-sonnet-20241022-v2:0');
    expect(catalog.find('openai', 'gpt-9-2027', 'gpt-9')).toBeUndefined();
    expect(catalog.find('openai', '', '')).toBeUndefined();
  });

  it('memoizes answers, misses included, and stays correct past its size bound', () => {
    const first = defaultCatalog.find('openai', 'gpt-4o-2024-08-06', 'gpt-4o');
    expect(defaultCatalog.find('openai', 'gpt-4o-2024-08-06', 'gpt-4o')).toBe(first);
    const small = createCatalog({ maxEntries: 2 });
    for (const model of ['gpt-4o', 'o3', 'nope', 'gpt-4o-mini', 'gpt-4o']) {
      expect(small.find('openai', model, '')?.model).toBe(
        defaultCatalog.find('openai', model, '')?.model,
      );
    }
  });

  it('gives context windows where the data has them', () => {
    expect(getContextWindow({ provider: 'openai', responseModel: 'gpt-4o-2024-08-06' })).toBe(
      128_000,
    );
    expect(
      getContextWindow({ provider: 'anthropic.messages', requestModel: 'claude-sonnet-4-6' }),
    ).toBe(1_000_000);
    // gemini-2.5-pro is priced but has no context_window in this data version.
    expect(getContextWindow({ provider: 'gcp.gemini', requestModel: 'gemini-2.5-pro' })).toBe(
      undefined,
    );
    expect(getContextWindow({ provider: 'openai', requestModel: 'gpt-9' })).toBeUndefined();
  });
});

describe('priceAt', () => {
  const timeDependent: [provider: string, model: string][] = [
    ['openai', 'o3'],
    ['deepseek', 'deepseek-chat'],
    ['deepseek', 'deepseek-v4-flash'],
    ['anthropic', 'claude-sonnet-4-6'],
    ['mistral', 'mistral-medium-latest'],
    ['google', 'gemini-3.6-flash'],
  ];

  it('selects the same price object as the library at every probed instant', () => {
    // Every 20 minutes over days that straddle the start dates and time-of-day windows in the data.
    const days = [
      '2025-06-09',
      '2025-06-10',
      '2026-03-12',
      '2026-03-13',
      '2026-08-17',
      '2027-01-01',
    ];
    for (const [provider, model] of timeDependent) {
      const entry = defaultCatalog.find(provider, model, '');
      expect(entry, model).toBeDefined();
      if (!entry) continue;
      for (const day of days) {
        for (let minute = 0; minute < 24 * 60; minute += 20) {
          const at = ms(`${day}T00:00:00Z`) + minute * 60_000;
          const expected = calcPrice({}, model, { providerId: provider, timestamp: new Date(at) });
          expect(priceAt(entry.model, at)).toBe(expected?.model_price);
        }
      }
    }
  });

  it('switches o3 to its lower price at 2025-06-10T00:00:00Z exactly', () => {
    const o3 = defaultCatalog.find('openai', 'o3', '')?.model;
    if (!o3) throw new Error('o3 missing from the bundled data');
    expect(priceAt(o3, ms('2025-06-09T23:59:59.999Z')).input_mtok).toBe(10);
    expect(priceAt(o3, ms('2025-06-10T00:00:00Z')).input_mtok).toBe(2);
  });

  it("applies DeepSeek's peak window 00:30–16:30 UTC with an exclusive end", () => {
    const chat = defaultCatalog.find('deepseek', 'deepseek-chat', '')?.model;
    if (!chat) throw new Error('deepseek-chat missing from the bundled data');
    expect(priceAt(chat, ms('2026-01-05T00:29:59Z')).input_mtok).toBe(0.135);
    expect(priceAt(chat, ms('2026-01-05T00:30:00Z')).input_mtok).toBe(0.27);
    expect(priceAt(chat, ms('2026-01-05T16:29:59Z')).input_mtok).toBe(0.27);
    expect(priceAt(chat, ms('2026-01-05T16:30:00Z')).input_mtok).toBe(0.135);
  });
});

describe('tokenRates and rateFor', () => {
  it('prices a tier for the whole call once the prompt is strictly over the threshold', () => {
    const sonnet = defaultCatalog.find('anthropic', 'claude-sonnet-4-5', '')?.model;
    if (!sonnet) throw new Error('claude-sonnet-4-5 missing from the bundled data');
    const rates = tokenRates(priceAt(sonnet, ms('2026-01-01T00:00:00Z')));
    if (!rates) throw new Error('no token rates');
    expect(rateFor(rates.input, 200_000).format()).toBe('3');
    expect(rateFor(rates.input, 200_001).format()).toBe('6');
    expect(rateFor(rates.cacheWrite, 200_001).format()).toBe('7.5');
    expect(rateFor(rates.output, 200_001).format()).toBe('22.5');
  });

  it('falls back to the input price for unpriced cache tokens, as the library does', () => {
    const may = defaultCatalog.find('openai', 'gpt-4o-2024-05-13', '')?.model;
    if (!may) throw new Error('gpt-4o-2024-05-13 missing from the bundled data');
    const rates = tokenRates(priceAt(may, 0));
    expect(rates?.cacheRead.base.format()).toBe('5');
    expect(rates?.cacheWrite.base.format()).toBe('5');
    expect(rates?.outputReasoning).toBeUndefined();
  });

  it('has no token rates for a model priced only per page', () => {
    const ocr = defaultCatalog.find('mistral', 'mistral-ocr-latest', '')?.model;
    if (!ocr) throw new Error('mistral-ocr-latest missing from the bundled data');
    expect(tokenRates(priceAt(ocr, ms('2026-01-01T00:00:00Z')))).toBeUndefined();
  });
});
