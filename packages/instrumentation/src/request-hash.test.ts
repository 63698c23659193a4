import { describe, expect, it } from 'vitest';
import { requestHash } from './request-hash.ts';

const SYSTEM = 'You answer support tickets for a company that sells invoices. '.repeat(10);
const request = (question: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: question },
  ],
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  temperature: 0.2,
  ...extra,
});

describe('requestHash', () => {
  it('is the same 32-hex hash for the same request, built anew', () => {
    const first = requestHash(request('Where is my invoice?'));
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(requestHash(structuredClone(request('Where is my invoice?')))).toBe(first);
  });

  it('tells apart questions of the same length, and any change of model, tools or parameter', () => {
    // Same length, same prefix: what the size-based retry guess could not tell apart.
    const questions = ['Where is my invoice?', 'Why was I charged 2x', 'Can I pay with card?'];
    expect(new Set(questions.map((q) => q.length)).size).toBe(1);
    const variants = [
      ...questions.map((q) => request(q)),
      request(questions[0]!, { model: 'gpt-4o-mini' }),
      request(questions[0]!, { temperature: 0.3 }),
      request(questions[0]!, { tools: [] }),
      request(questions[0]!, { max_tokens: 100 }),
      request(questions[0]!, { stream: true }),
      { ...request(questions[0]!), messages: [request(questions[0]!).messages[1]] },
    ];
    const hashes = variants.map((v) => requestHash(v));
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it('leaves out what JSON leaves out, and hashes a date as the string sent', () => {
    const base = request('Hi');
    expect(requestHash({ ...base, user: undefined })).toBe(requestHash(base));
    const at = (iso: string) => requestHash({ ...base, metadata: { at: new Date(iso) } });
    expect(at('2026-01-01T00:00:00Z')).not.toBe(at('2026-01-02T00:00:00Z'));
    expect(at('2026-01-01T00:00:00Z')).toBe(
      requestHash({ ...base, metadata: { at: '2026-01-01T00:00:00.000Z' } }),
    );
  });
});
