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

/**
 * The observing iterator. Written by hand rather than as an async generator: a generator adds
 * several promises per event, which on Node 20 each pay AsyncLocalStorage's promise hook once an
 * OTel context manager is in use (the overhead benchmark's streamed calls). The SDK's own
 * iterator queues next() and return() calls, so this one needs no queue of its own.
 */
function observe(
  inner: AsyncIterator<unknown>,
  onEvent: (event: unknown) => void,
  onEnd: (end: StreamEnd) => void,
): AsyncIterableIterator<unknown> {
  let ended = false;
  const end = (error: unknown, completed: boolean): void => {
    if (ended) return;
    ended = true;
    onEnd({ error, completed });
  };
  return {
    next() {
      return inner.next().then(
        (result) => {
          if (result.done) end(undefined, true);
          else if (!ended) onEvent(result.value);
          return result;
        },
        (error: unknown) => {
          end(error, false);
          throw error;
        },
      );
    },
    return(value?: unknown) {
      // The reader stopped early (break, return): close the SDK's iterator, which aborts the request.
      const closing = ended ? undefined : inner.return?.(value);
      return Promise.resolve(closing).then(
        (result) => {
          end(undefined, false);
          return result ?? { done: true, value };
        },
        (error: unknown) => {
          end(error, false);
          throw error;
        },
      );
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
