/**
 * @module
 * Readers for the JSON objects the SDKs take and return. The SDKs are typed, but this package does
 * not depend on them: it reads what it needs defensively, so an unexpected shape costs telemetry,
 * never the call.
 */

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A token count: a non-negative safe integer, else undefined (null, missing, garbage). */
export function readCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function readNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function readArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Keys whose string values are protocol tags (`"role": "user"`), not text the model reads. */
const TAG_KEYS = new Set(['role', 'type', 'id', 'tool_call_id', 'tool_use_id', 'cache_control']);
/** Keys whose values are binary payloads (base64 images, files), tokenized nothing like text. */
const BINARY_KEYS = new Set(['data', 'image_url', 'file_data']);

/**
 * The text the model reads in request fields: every string at any depth except protocol tags
 * and binary payloads, joined by newlines. Walks with an explicit stack because a request may nest
 * deeper than the call stack allows.
 */
export function collectText(values: readonly unknown[]): string {
  const parts: string[] = [];
  const stack: unknown[] = [...values].reverse();
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    } else if (isRecord(value)) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        if (BINARY_KEYS.has(key) || (TAG_KEYS.has(key) && typeof child !== 'object')) continue;
        stack.push(child);
      }
    }
  }
  return parts.join('\n');
}
