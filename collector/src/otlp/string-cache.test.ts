import { describe, expect, it } from 'vitest';
import { createPrng } from '../../test/support/otlp/prng.ts';
import { decodeUtf8, decodeUtf8Cached, MAX_CACHED_BYTES } from './string-cache.ts';

function bufferOf(...strings: string[]): { buf: Buffer; view: DataView; ranges: number[][] } {
  const parts = strings.map((s) => Buffer.from(s, 'utf8'));
  const buf = Buffer.concat([Buffer.from([0xff]), ...parts]); // offset 1: nothing is aligned
  const ranges: number[][] = [];
  let pos = 1;
  for (const part of parts) {
    ranges.push([pos, pos + part.length]);
    pos += part.length;
  }
  return { buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), ranges };
}

describe('decodeUtf8', () => {
  it('decodes ASCII, multi-byte and astral characters on both sides of the short-string cut', () => {
    const samples = [
      '',
      'a',
      'gen_ai.system',
      'héllo',
      '模型名称',
      '🚀 launch',
      'x'.repeat(15),
      'é'.repeat(40),
    ];
    const { buf, ranges } = bufferOf(...samples);
    samples.forEach((s, i) => {
      const [start, end] = ranges[i]!;
      expect(decodeUtf8(buf, start!, end!)).toBe(s);
    });
  });

  it('replaces invalid UTF-8 with U+FFFD instead of throwing', () => {
    const buf = Buffer.from([0x61, 0xc3, 0x28, 0x62, 0xff]); // "a", bad pair, "b", bad byte
    expect(decodeUtf8(buf, 0, buf.length)).toBe('a\uFFFD(b\uFFFD');
    const long = Buffer.concat([Buffer.from('x'.repeat(20)), Buffer.from([0xed, 0xa0, 0x80])]);
    expect(decodeUtf8(long, 0, long.length)).toBe(`${'x'.repeat(20)}\uFFFD\uFFFD\uFFFD`);
  });
});

describe('decodeUtf8Cached', () => {
  it('returns the same text as decodeUtf8, on first sight and on repeats', () => {
    const { buf, view, ranges } = bufferOf(
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'é🚀',
    );
    for (let round = 0; round < 3; round++) {
      expect(ranges.map(([s, e]) => decodeUtf8Cached(buf, view, s!, e!))).toEqual([
        'gen_ai.usage.input_tokens',
        'gen_ai.usage.output_tokens',
        'é🚀',
      ]);
    }
  });

  it('tells apart strings that share length and every sampled byte', () => {
    // Same length, same first, middle and last bytes: only unsampled bytes differ, so both
    // land in the same slot and only the byte comparison can tell them apart.
    const a = 'gen_ai.aaaa.X.bbbb.tokens';
    const b = 'gen_ai.zzzz.X.yyyy.tokens';
    expect(a.length).toBe(b.length);
    const { buf, view, ranges } = bufferOf(a, b, a, b);
    const decoded = ranges.map(([s, e]) => decodeUtf8Cached(buf, view, s!, e!));
    expect(decoded).toEqual([a, b, a, b]);
  });

  it('stays correct when many more strings than slots churn the cache', () => {
    const prng = createPrng(7);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz._é0123456789';
    const strings = Array.from({ length: 20_000 }, () => {
      const len = 1 + prng.int(40);
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[prng.int(alphabet.length)];
      return s;
    });
    const { buf, view, ranges } = bufferOf(...strings, ...strings);
    const decoded = ranges.map(([s, e]) => decodeUtf8Cached(buf, view, s!, e!));
    expect(decoded).toEqual([...strings, ...strings]);
  });

  it('decodes strings over the cache limit directly', () => {
    const long = 'k'.repeat(MAX_CACHED_BYTES + 1);
    const { buf, view, ranges } = bufferOf(long, '');
    expect(decodeUtf8Cached(buf, view, ranges[0]![0]!, ranges[0]![1]!)).toBe(long);
    expect(decodeUtf8Cached(buf, view, ranges[1]![0]!, ranges[1]![1]!)).toBe('');
  });
});
