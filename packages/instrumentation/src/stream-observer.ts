/**
 * @module
 * Observes an SDK stream without changing what the application reads. The SDKs' `Stream` builds
 * every iteration, `tee()` included, on its `iterator` method, so wrapping that method (not
 * `Symbol.asyncIterator`) sees every event exactly once.
 */
import type { StreamLike } from './internal-types.ts';
import { isRecord } from './json.ts';

/** How a stream ended: `error` when reading failed, `completed` false when the reader stopped. */
export type StreamEnd = { error: unknown; completed: boolean };

/** Whether `value` is an SDK stream. */
export function isStreamLike(value: unknown): value is StreamLike {
  return isRecord(value) && typeof value.iterator === 'function';
}

/**
 * Makes `stream` report each event to `onEvent` and its end to `onEnd` (once). Callbacks must not
 * throw; the caller guards them.
 */
export function observeStream(
  stream: StreamLike,
  onEvent: (event: unknown) => void,
  onEnd: (end: StreamEnd) => void,
): void {
  const original = stream.iterator;
  stream.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
    return observe(original.call(this), onEvent, onEnd);
  };
}

async function* observe(
  inner: AsyncIterator<unknown>,
  onEvent: (event: unknown) => void,
  onEnd: (end: StreamEnd) => void,
): AsyncGenerator<unknown, void, undefined> {
  let completed = false;
  let error: unknown;
  try {
    while (true) {
      const next = await inner.next();
      if (next.done) {
        completed = true;
        return;
      }
      onEvent(next.value);
      yield next.value;
    }
  } catch (err) {
    error = err;
    throw err;
  } finally {
    // The reader stopped early (break, return): close the SDK's iterator, which aborts the request.
    if (!completed && error === undefined) await inner.return?.();
    onEnd({ error, completed });
  }
}
