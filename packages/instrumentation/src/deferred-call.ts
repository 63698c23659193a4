/**
 * @module
 * A stand-in for the SDKs' `APIPromise` when the request cannot be sent synchronously (the guard
 * awaits a remote budget answer) or is refused. Code written against the SDK keeps working:
 * `await`, `.withResponse()`, `.asResponse()`, and the SDKs' own helpers (`parse`, `stream`),
 * which chain on `_thenUnwrap`.
 */
import type { ApiPromiseLike } from './internal-types.ts';

/**
 * The eventual SDK call, boxed: a promise resolving to an APIPromise would adopt it, which parses
 * the response body, and `.asResponse()` callers need the body unread.
 */
export type BoxedCall = Promise<{ call: ApiPromiseLike }>;

/** An `APIPromise` look-alike over a call that is sent later, or never (see the module). */
export class DeferredCall extends Promise<unknown> implements ApiPromiseLike {
  readonly #box: BoxedCall;
  #parsed: Promise<unknown> | undefined;

  constructor(box: BoxedCall) {
    // Like APIPromise: the base promise is a dummy; then/catch/finally below do the work.
    super((resolve) => resolve(undefined));
    this.#box = box;
    // A refusal nobody awaits must not surface as an unhandled rejection.
    box.catch(() => {});
  }

  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #parse(): Promise<unknown> {
    this.#parsed ??= this.#box.then(({ call }) => call);
    return this.#parsed;
  }

  // biome-ignore lint/suspicious/noThenProperty: this class is a promise, like the SDK's APIPromise.
  override then<TResult1 = unknown, TResult2 = never>(
    onfulfilled?: ((value: unknown) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    return this.#parse().then(onfulfilled, onrejected);
  }

  override catch<TResult = never>(
    onrejected?: ((reason: unknown) => TResult | PromiseLike<TResult>) | null,
  ): Promise<unknown> {
    return this.#parse().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<unknown> {
    return this.#parse().finally(onfinally);
  }

  asResponse(): Promise<unknown> {
    return this.#box.then(({ call }) => call.asResponse());
  }

  withResponse(): Promise<unknown> {
    return this.#box.then(({ call }) => call.withResponse());
  }

  _thenUnwrap(transform: (data: unknown, props: unknown) => unknown): ApiPromiseLike {
    return new DeferredCall(this.#box.then(({ call }) => ({ call: call._thenUnwrap(transform) })));
  }
}

/** A call refused before sending, rejecting with `error` however it is consumed. */
export function refusedCall(error: unknown): DeferredCall {
  return new DeferredCall(Promise.reject(error));
}
