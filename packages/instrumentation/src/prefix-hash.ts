/**
 * @module
 * The hash of a request's cacheable prefix (system prompt, tool definitions), computed on every
 * call, and the encoding it shares with the hash of the whole request (`request-hash.ts`).
 * Serializing the prefix with JSON.stringify and hashing the result was the largest single
 * cost of recording a call (about 40% of it in the overhead benchmark's profile), because an
 * agent's prefix is mostly a few long strings sent again and again. So the prefix is encoded here
 * with every long string replaced by its own digest, cached by value (strings are immutable, so
 * the cache can never go stale), and only that short encoding is hashed.
 */
import * as crypto from 'node:crypto';

/** Strings at least this long are folded in as their digest. */
const LONG_STRING = 64;
/** Longer strings are digested each time rather than kept, to bound the cache's memory. */
const MAX_CACHED_LENGTH = 16_384;
const MAX_CACHED_STRINGS = 256;

const digests = new Map<string, string>();

// crypto.hash (Node 20.12+) hashes in one call, without a Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string })
  .hash;

function sha256Hex(text: string): string {
  return oneShot
    ? oneShot('sha256', text, 'hex')
    : crypto.createHash('sha256').update(text).digest('hex');
}

function digestOf(text: string): string {
  if (text.length > MAX_CACHED_LENGTH) return sha256Hex(text);
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = sha256Hex(text);
    // Oldest first out: an agent's prefixes are few, and they come back call after call.
    if (digests.size >= MAX_CACHED_STRINGS) digests.delete(digests.keys().next().value!);
    digests.set(text, digest);
  }
  return digest;
}

/**
 * An order-sensitive, unambiguous encoding of a JSON value that skips what JSON.stringify skips.
 * Strings and keys are length-prefixed rather than escaped (`s5:hello`), and long strings appear
 * as their digest (`#…`).
 */
function encode(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length >= LONG_STRING ? `#${digestOf(value)}` : `s${value.length}:${value}`;
    case 'number':
    case 'boolean':
      return `${value}`;
    case 'object': {
      if (value === null) return 'null';
      // Dates and the like are sent as what toJSON returns, not as their (absent) own keys.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return encode((value as { toJSON(): unknown }).toJSON());
      }
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += encodeOrNull(value[i]);
        }
        return `${out}]`;
      }
      let out = '{';
      let first = true;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = encode(record[key]);
        if (child === '') continue;
        out += `${first ? '' : ','}${key.length}:${key}=${child}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      // undefined, functions, symbols: left out of objects, null in arrays, as JSON does.
      return '';
  }
}

function encodeOrNull(value: unknown): string {
  const encoded = encode(value);
  return encoded === '' ? 'null' : encoded;
}

function isEmpty(part: unknown): boolean {
  return (
    part === undefined || part === null || part === '' || (Array.isArray(part) && part.length === 0)
  );
}

/**
 * A 32-hex-digit hash (the first 128 bits of a SHA-256) of a JSON value as the encoding above
 * writes it: equal values give equal hashes, key order included.
 */
export function hashJson(value: unknown): string {
  return sha256Hex(encodeOrNull(value)).slice(0, 32);
}

/**
 * A hash of the cacheable prefix of a request (system prompt and tool definitions): the same
 * prefix gives the same hash, so the analyzer can see an agent change its own prefix between calls
 * and lose the provider's prompt cache. Only the hash leaves the process, never the content.
 * Undefined when the request has no such prefix.
 */
export function prefixHash(parts: readonly unknown[]): string | undefined {
  if (parts.every(isEmpty)) return undefined;
  // Order-sensitive on purpose: providers cache the exact bytes sent, so reordered keys miss too.
  return hashJson(parts);
}
