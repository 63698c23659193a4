import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';

let fake: FakeLlm;
let openai: OpenAI;

beforeAll(async () => {
  fake = await startFakeLlm();
  openai = new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const norm = (vector: readonly number[]): number =>
  Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));

describe('POST /v1/embeddings', () => {
  it('returns unit vectors the SDK decodes from its default base64 encoding, with usage', async () => {
    const result = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a'.repeat(20), 'b'.repeat(6)],
    });
    // The SDK asked for base64 and decoded it back into numbers.
    expect(fake.requests[0]?.body?.encoding_format).toBe('base64');
    expect(result.data).toHaveLength(2);
    expect(result.data.map((item) => item.index)).toEqual([0, 1]);
    expect(result.data[0]?.embedding).toHaveLength(1536);
    expect(norm(result.data[0]?.embedding ?? [])).toBeCloseTo(1, 5);
    expect(result.data[0]?.embedding).not.toEqual(result.data[1]?.embedding);
    // 20/4 + ceil(6/4) tokens.
    expect(result.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    expect(result.model).toBe('text-embedding-3-small');
  });

  it('embeds the same text identically in float and base64 encodings', async () => {
    const input = 'deterministic';
    const decoded = await openai.embeddings.create({ model: 'text-embedding-3-small', input });
    const floats = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input,
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toEqual(decoded.data[0]?.embedding);
  });

  it('honours dimensions, counts token-id input one per token and takes scripted usage', async () => {
    const sized = await openai.embeddings.create({
      model: 'text-embedding-3-large',
      input: [101, 102, 103, 104, 105],
      dimensions: 64,
    });
    expect(sized.data).toHaveLength(1);
    expect(sized.data[0]?.embedding).toHaveLength(64);
    expect(sized.usage.prompt_tokens).toBe(5);

    fake.enqueue({ usage: { uncachedInput: 123 }, model: 'text-embedding-3-large-v2' });
    const scripted = await openai.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'x',
    });
    expect(scripted.usage).toEqual({ prompt_tokens: 123, total_tokens: 123 });
    expect(scripted.model).toBe('text-embedding-3-large-v2');
    expect(scripted.data[0]?.embedding).toHaveLength(3072);
  });
});

describe('GET /v1/models', () => {
  it('lists models in the OpenAI shape, consuming no unpathed scripted reply', async () => {
    fake.enqueue({ text: 'kept for the next completion' });
    const ids: string[] = [];
    for await (const model of openai.models.list()) {
      expect(model.object).toBe('model');
      ids.push(model.id);
    }
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('text-embedding-3-small');
    expect(fake.pendingReplies).toBe(1);
  });
});
