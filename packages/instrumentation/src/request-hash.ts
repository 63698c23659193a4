/**
 * @module
 * The hash of a whole request (`tokenwatch.request_hash`): the request body the SDK sends, hashed
 * with the prefix hash's encoding, so the long strings an agent resends (system prompt, earlier
 * turns, tool results) cost a cached digest look-up rather than a serialization and a hash of the
 * whole body. The same request sent again, by a client or an agent loop, gives the same hash: the
 * analyzer counts it as a retry, and the guard's circuit breaker as an identical request.
 */
import type { JsonObject } from './json.ts';
import { hashJson } from './prefix-hash.ts';

/**
 * The hash of a request body (`model`, `messages` or `input`, `tools`, every parameter), as 32 hex
 * digits. Key order counts, as it does in the bytes sent; values JSON leaves out (undefined,
 * functions) are left out. Only the hash leaves the process, never the content.
 */
export function requestHash(params: JsonObject): string {
  return hashJson(params);
}
