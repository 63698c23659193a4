/**
 * `POST /v1/embeddings`: deterministic unit vectors, in float or base64 encoding.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { sendJson } from './http-io.ts';
import { replyModel } from './reply-content.ts';
import type { Route } from './route.ts';
import { estimateTokens, resolveUsage, totalInput } from './usage.ts';

/** One input to embed: text, or token ids (which the API also accepts). */
type EmbeddingInput = string | readonly unknown[];

/** `input` may be a string, a string array, a token array or an array of token arrays. */
function embeddingInputs(input: unknown): EmbeddingInput[] {
  if (!Array.isArray(input)) return [typeof input === 'string' ? input : JSON.stringify(input)];
  if (input.length > 0 && input.every((item) => typeof item === 'number')) return [input];
  return input.map((item) =>
    typeof item === 'string' || Array.isArray(item) ? item : JSON.stringify(item),
  );
}

/** Token ids count one token each; text follows the usual chars/4 estimate. */
function inputTokens(inputs: readonly EmbeddingInput[]): number {
  let tokens = 0;
  for (const input of inputs)
    tokens += typeof input === 'string' ? estimateTokens(input.length) : input.length;
  return tokens;
}

/** The model's native size, unless the request asks for fewer dimensions. */
function dimensionsFor(model: string, requested: unknown): number {
  if (
    typeof requested === 'number' &&
    Number.isInteger(requested) &&
    requested > 0 &&
    requested <= 16_384
  )
    return requested;
  return model.includes('large') ? 3072 : 1536;
}

/**
 * A unit-length vector seeded from the input, so the same text always embeds the same way and
 * different texts differ. Values are float32, so the float and base64 encodings agree exactly.
 */
export function fakeEmbedding(seedText: string, dimensions: number): Float32Array {
  let state = createHash('sha256').update(seedText).digest().readUInt32LE(0);
  // mulberry32: a tiny, well-mixed PRNG; the vectors need to be stable, not random.
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const values = Array.from({ length: dimensions }, () => next() * 2 - 1);
  let squares = 0;
  for (const value of values) squares += value * value;
  const norm = Math.sqrt(squares) || 1;
  return Float32Array.from(values, (value) => value / norm);
}

function encode(vector: Float32Array, format: unknown): number[] | string {
  if (format === 'base64') {
    // The wire format is little-endian float32 bytes.
    const bytes = Buffer.alloc(vector.length * 4);
    for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
    return bytes.toString('base64');
  }
  return Array.from(vector);
}

/** The embeddings endpoint. */
export const embeddingsRoute: Route = {
  method: 'POST',
  path: '/v1/embeddings',
  provider: 'openai',
  billed: true,
  required: { model: 'string', input: 'present' },
  handle({ body, reply, res, headers }) {
    const inputs = embeddingInputs(body.input);
    const model = replyModel(reply, body);
    const dimensions = dimensionsFor(model, body.dimensions);
    const usage = resolveUsage(reply.usage, { input: inputTokens(inputs), output: 0 });
    const promptTokens = totalInput(usage);
    const data = inputs.map((input, index) => ({
      object: 'embedding',
      index,
      embedding: encode(
        fakeEmbedding(typeof input === 'string' ? input : JSON.stringify(input), dimensions),
        body.encoding_format,
      ),
    }));
    sendJson(
      res,
      200,
      {
        object: 'list',
        data,
        model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
      headers,
    );
  },
};
