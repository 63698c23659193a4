import { describe, expect, it } from 'vitest';
import { prefixHash } from './prefix-hash.ts';

const SYSTEM = 'You are a terse assistant. '.repeat(20);
const TOOLS = [
  {
    type: 'function',
    function: { name: 'lookup', parameters: { type: 'object', properties: { id: {} } } },
  },
];

describe('prefixHash', () => {
  it('is undefined when there is no prefix', () => {
    expect(prefixHash([undefined, []])).toBeUndefined();
    expect(prefixHash(['', null])).toBeUndefined();
  });

  it('gives the same 32-hex hash for an equal prefix, built anew each time', () => {
    const first = prefixHash([[{ role: 'system', content: SYSTEM }], TOOLS]);
    const again = prefixHash([[{ role: 'system', content: `${SYSTEM}` }], structuredClone(TOOLS)]);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(again).toBe(first);
  });

  it('changes with any change of content, short or long, and with order', () => {
    const base = prefixHash([[{ role: 'system', content: SYSTEM }], TOOLS]);
    const variants = [
      [[{ role: 'system', content: `${SYSTEM}!` }], TOOLS],
      [[{ role: 'developer', content: SYSTEM }], TOOLS],
      [[{ content: SYSTEM, role: 'system' }], TOOLS],
      [[{ role: 'system', content: SYSTEM }], [{ ...TOOLS[0], type: 'custom' }]],
      [TOOLS, [{ role: 'system', content: SYSTEM }]],
    ];
    const hashes = variants.map((parts) => prefixHash(parts));
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1);
  });

  it('a tool mutated in place between calls gets a new hash (nothing cached by identity)', () => {
    const tools = structuredClone(TOOLS);
    const before = prefixHash([undefined, tools]);
    tools[0]!.function.name = 'lookup_v2';
    expect(prefixHash([undefined, tools])).not.toBe(before);
  });

  it('cannot be fooled by strings that look like the encoding', () => {
    expect(prefixHash([['a', 'b']])).not.toBe(prefixHash([['a,s1:b']]));
    expect(prefixHash([{ a: 1 }])).not.toBe(prefixHash([{ a: '1' }]));
    expect(prefixHash([[null]])).not.toBe(prefixHash([['null']]));
  });
});
