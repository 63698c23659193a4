import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random id in the providers' style: a prefix and alphanumerics (`chatcmpl-…`, `msg_01…`).
 * Ids need to be unique, not unguessable; the small modulo bias does not matter.
 */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

/** Seconds since the epoch, the unit of OpenAI's `created` fields. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
