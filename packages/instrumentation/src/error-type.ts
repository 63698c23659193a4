/**
 * The `error.type` of a failure: the error's class name (`InternalServerError`, `RateLimitError`),
 * as `@opentelemetry/instrumentation-openai` records it, or `_OTHER` for anonymous errors.
 */
export function errorType(err: unknown): string {
  const name = (err as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : '_OTHER';
}
