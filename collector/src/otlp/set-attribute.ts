/**
 * @module
 * Safe attribute assignment shared by the protobuf and JSON decoders.
 */
import type { AttributeValue } from './types.ts';

/**
 * Sets `target[key] = value`. The key `__proto__` becomes an ordinary own property instead of
 * replacing the object's prototype: attribute keys come from the network, and a plain
 * assignment would let a sender swap the prototype of a decoded attribute map. Other keys use a
 * plain assignment, which keeps the objects in V8's fast mode (unlike `Object.create(null)`).
 *
 * @param target an attribute map or kvlist value being built
 * @param key the attribute key as sent; duplicates overwrite, so the last one wins
 * @param value the decoded value
 *
 * @example
 * ```ts
 * const attributes: Attributes = {};
 * setAttribute(attributes, '__proto__', 'x');
 * Object.keys(attributes); // ['__proto__']
 * ```
 */
export function setAttribute(
  target: Record<string, AttributeValue>,
  key: string,
  value: AttributeValue,
): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
