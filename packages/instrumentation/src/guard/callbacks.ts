/**
 * @module
 * Calls into the application's guard callbacks.
 */

/** Calls the application's callback; a throwing callback must not fail the call. */
export function safely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  try {
    callback?.(value);
  } catch {
    // The application's own bug; the guard goes on.
  }
}
