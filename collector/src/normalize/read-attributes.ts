import type { Attributes, AttributeValue } from '../otlp/types.ts';

/** Largest token count taken at face value: far above any model's window, far below float trouble. */
export const MAX_TOKENS = 1_000_000_000_000;

/** A token attribute whose value cannot be a count; the span is rejected, not guessed at. */
export class InvalidTokenCountError extends Error {
  constructor(key: string, value: AttributeValue) {
    super(`${key} is not a token count: ${describe(value)}`);
    this.name = 'InvalidTokenCountError';
  }
}

function describe(value: AttributeValue): string {
  // JSON would print NaN and infinities as null.
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The first of `keys` present with a scalar value, as a non-empty string. */
export function readString(attrs: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (typeof value === 'string') {
      if (value.length > 0) return value;
    } else if (
      typeof value === 'number' ||
      typeof value === 'bigint' ||
      typeof value === 'boolean'
    ) {
      return String(value);
    }
  }
  return undefined;
}

/** Whether any of the keys is present. */
export function hasAny(attrs: Attributes, keys: readonly string[]): boolean {
  return keys.some((key) => attrs[key] !== undefined && attrs[key] !== null);
}

/** The index of the first of `keys` present (not absent, not null), -1 when none is. */
export function firstPresent(attrs: Attributes, keys: readonly string[]): number {
  for (let i = 0; i < keys.length; i++) {
    const value = attrs[keys[i]!];
    if (value !== undefined && value !== null) return i;
  }
  return -1;
}

/**
 * The first of `keys` present, as a token count. Integers arrive as numbers, bigints, integral
 * doubles or digit strings (emitters that stringify); anything else — negative, fractional, NaN,
 * absurdly large — throws {@link InvalidTokenCountError}.
 */
export function readTokens(attrs: Attributes, keys: readonly string[]): number | undefined {
  const at = firstPresent(attrs, keys);
  return at < 0 ? undefined : readToken(attrs, keys[at]!);
}

/** One token attribute, as {@link readTokens} reads it. */
export function readToken(attrs: Attributes, key: string): number | undefined {
  const value = attrs[key];
  if (value === undefined || value === null) return undefined;
  const n = toCount(value);
  if (n === undefined) throw new InvalidTokenCountError(key, value);
  return n;
}

function toCount(value: AttributeValue): number | undefined {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint')
    n = value > BigInt(MAX_TOKENS) || value < 0n ? -1 : Number(value);
  else if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) n = Number(value);
  else return undefined;
  return Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS ? n : undefined;
}

/** A string array attribute (e.g. finish reasons), or a single string as a one-element list. */
export function readStringList(attrs: Attributes, keys: readonly string[]): string[] | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
    if (typeof value === 'string' && value.length > 0) return [value];
  }
  return undefined;
}

/** A USD amount attribute as a plain decimal string, if it is a finite non-negative number. */
export function readUsd(attrs: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      // Emitters send floats; keep the digits they sent, no exponent.
      return value.toFixed(12).replace(/\.?0+$/, '') || '0';
    }
    if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return value;
  }
  return undefined;
}
