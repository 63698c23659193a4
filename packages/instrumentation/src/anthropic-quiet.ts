/**
 * @module
 * One report per call. `@anthropic-ai/sdk` 1.x records its own CLIENT span for each call whenever a
 * global tracer provider exists (scope `com.anthropic.sdk.typescript`). Tokenwatch replaces it
 * rather than enriching it: for the methods it instruments, the call runs on a copy of the client
 * made with the SDK's public `withOptions({ openTelemetry: { ..., traces: { enabled: false } } })`,
 * so the SDK starts no span, and the Tokenwatch span (with the prefix hash, attribution and guard
 * events) is the only one. The application's client itself is left as it is, so the SDK's spans
 * for methods Tokenwatch does not instrument are untouched. 0.x clients have no spans of their own.
 */
import { diag } from '@opentelemetry/api';
import { isRecord, type JsonObject } from './json.ts';

const quietClients = new WeakMap<object, JsonObject>();
let warned = false;

/** Whether the SDK would record its own span for a call of this client. */
function recordsOwnSpans(client: JsonObject): boolean {
  const option = client.openTelemetry;
  return isRecord(option) && isRecord(option.traces) && option.traces.enabled === true;
}

function quietCopy(
  client: JsonObject,
  onCreate?: (copy: JsonObject) => void,
): JsonObject | undefined {
  const cached = quietClients.get(client);
  if (cached) return cached;
  const option = client.openTelemetry as JsonObject;
  try {
    if (typeof client.withOptions !== 'function') throw new Error('no withOptions()');
    // The settled option is a valid option: keep propagation and the rest, turn traces off.
    const copy: unknown = client.withOptions({
      openTelemetry: { ...option, traces: { ...(option.traces as JsonObject), enabled: false } },
    });
    if (!isRecord(copy)) throw new Error('withOptions() returned no client');
    onCreate?.(copy);
    quietClients.set(client, copy);
    return copy;
  } catch (err) {
    if (!warned) {
      warned = true;
      diag.warn(
        `tokenwatch: could not turn off the Anthropic SDK's own spans (${(err as Error).message}); ` +
          'its span will sit under the Tokenwatch span, and the collector bills the inner one',
      );
    }
    return undefined;
  }
}

/**
 * The `messages` resource to run a call on: the resource itself, or the same resource of a copy of
 * its client that records no spans of its own. `onCreate` sees each copy once (to instrument it
 * when instrumenting instances).
 */
export function quietMessages(resource: unknown, onCreate?: (copy: JsonObject) => void): unknown {
  if (!isRecord(resource) || !isRecord(resource._client)) return resource;
  const client = resource._client;
  if (!recordsOwnSpans(client)) return resource;
  const copy = quietCopy(client, onCreate);
  return copy && isRecord(copy.messages) ? copy.messages : resource;
}
