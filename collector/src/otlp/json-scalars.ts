/**
 * @module
 * Scalar conversions for OTLP/JSON, following the proto3 JSON mapping as amended by the OTLP
 * spec: 64-bit integers as decimal strings or numbers, doubles as numbers or the strings
 * `NaN`/`Infinity`/`-Infinity`, bytes as base64, ids as hex. `null` means "field not set" in
 * proto3 JSON, so every converter maps `null` and `undefined` to the field's default.
 */
import { OTLP_DECODE_ERROR_CODES, OtlpDecodeError } from './errors.ts';

/** A parsed JSON object (never an array or null). */
export type JsonObject = { [key: string]: unknown };

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const INT64_MIN = -0x8000_0000_0000_0000n;
const INT64_MAX = 0x7fff_ffff_ffff_ffffn;
const UNSIGNED_DECIMAL = /^\d+$/;
const SIGNED_DECIMAL = /^-?\d+$/;
// Standard and URL-safe alphabets, padding optional: proto3 JSON parsers accept all four.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Throws the `INVALID_FIELD` error for a JSON value of the wrong type or form. The message
 * starts with the field's name; the decoder prefixes the rest of the path while the error
 * propagates, so the happy path builds no path strings at all.
 */
export function invalidField(field: string, expected: string, value: unknown): never {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value.slice(0, 40));
  else if (Array.isArray(value)) shown = 'an array';
  else if (typeof value === 'object' && value !== null) shown = 'an object';
  else shown = String(value);
  throw new OtlpDecodeError(
    OTLP_DECODE_ERROR_CODES.invalidField,
    `${field}: expected ${expected}, got ${shown}`,
  );
}

/**
 * Rethrows a decode error from inside a JSON container with the container's path segment in
 * front (`spans[3]` + `traceId: …` → `spans[3].traceId: …`). Other errors pass unchanged.
 */
export function rethrowAt(err: unknown, segment: string): never {
  if (!(err instanceof OtlpDecodeError)) throw err;
  const { message } = err;
  const joined =
    message.startsWith(':') || message.startsWith('[')
      ? `${segment}${message}`
      : `${segment}.${message}`;
  throw new OtlpDecodeError(err.code, joined, { cause: err.cause });
}

/** Narrows a JSON value to an object; `null`/absent becomes `undefined`. */
export function optionalObject(value: unknown, field: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) invalidField(field, 'an object', value);
  return value as JsonObject;
}

/** Narrows a JSON value to an array; `null`/absent becomes an empty array. */
export function optionalArray(value: unknown, field: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalidField(field, 'an array', value);
  return value;
}

/** A string field; `''` when absent. */
export function stringField(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') invalidField(field, 'a string', value);
  return value;
}

/**
 * A trace or span id: hex per the OTLP spec (not proto3's base64), case-insensitive, returned
 * lower-case. The digits and the length are not checked here: a bad id rejects its span in
 * `validateSpan`, not the whole request.
 */
export function hexIdField(value: unknown, field: string): string {
  return stringField(value, field).toLowerCase();
}

/** A fixed64 nanosecond timestamp as bigint; `0n` when absent. */
export function uint64Field(value: unknown, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string') {
    if (UNSIGNED_DECIMAL.test(value)) {
      const parsed = BigInt(value);
      if (parsed <= UINT64_MAX) return parsed;
    }
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    // A number past 2^53 lost precision inside JSON.parse already; senders should use strings.
    const parsed = BigInt(value);
    if (parsed <= UINT64_MAX) return parsed;
  }
  return invalidField(field, 'an unsigned 64-bit integer (decimal string or number)', value);
}

/** A uint32 field such as a dropped count; `0` when absent. */
export function uint32Field(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  const parsed = typeof value === 'string' && UNSIGNED_DECIMAL.test(value) ? Number(value) : value;
  if (
    typeof parsed === 'number' &&
    Number.isInteger(parsed) &&
    parsed >= 0 &&
    parsed <= 0xffffffff
  ) {
    return parsed;
  }
  return invalidField(field, 'an unsigned 32-bit integer', value);
}

/** An int64 AnyValue: a number when it is a safe integer, a bigint otherwise. */
export function int64Value(value: unknown, field: string): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    if (Number.isInteger(value)) {
      const parsed = BigInt(value);
      if (parsed >= INT64_MIN && parsed <= INT64_MAX) return parsed;
    }
  } else if (typeof value === 'string' && SIGNED_DECIMAL.test(value)) {
    const parsed = BigInt(value);
    if (parsed >= INT64_MIN && parsed <= INT64_MAX) {
      const asNumber = Number(parsed);
      return Number.isSafeInteger(asNumber) ? asNumber : parsed;
    }
  }
  return invalidField(field, 'a signed 64-bit integer (decimal string or number)', value);
}

/** A double AnyValue: a JSON number, a numeric string, or `NaN`/`Infinity`/`-Infinity`. */
export function doubleValue(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (JSON_NUMBER.test(value)) return Number(value);
  }
  return invalidField(field, 'a number, "NaN", "Infinity" or "-Infinity"', value);
}

/** A bool AnyValue: JSON `true`/`false` only, as in proto3 JSON. */
export function boolValue(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') invalidField(field, 'true or false', value);
  return value;
}

/** A bytes AnyValue: base64, standard or URL-safe, padded or not. */
export function bytesValue(value: unknown, field: string): Uint8Array {
  if (
    typeof value !== 'string' ||
    !BASE64.test(value) ||
    value.replace(/=+$/, '').length % 4 === 1
  ) {
    return invalidField(field, 'a base64 string', value);
  }
  // Copy out of Buffer's shared pool so the value is a plain, independent Uint8Array.
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/**
 * An enum: OTLP requires integers, but proto3 JSON parsers also accept the value names, so this
 * does too. Integers the table does not know yet map to its first entry (the default), as the
 * protobuf decoder does; an unknown name is a sender bug and fails the request.
 *
 * @param names the enum's short names in value order, e.g. `SPAN_KINDS`
 * @param prefix the proto name prefix, e.g. `SPAN_KIND_`
 */
export function enumField<T extends string>(
  value: unknown,
  names: readonly T[],
  prefix: string,
  field: string,
): T {
  const fallback = names[0]!;
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return names[value] ?? fallback;
  if (typeof value === 'string' && value.startsWith(prefix)) {
    const index = names.indexOf(value.slice(prefix.length) as T);
    if (index >= 0) return names[index]!;
  }
  return invalidField(field, `an integer or a ${prefix}* name`, value);
}
