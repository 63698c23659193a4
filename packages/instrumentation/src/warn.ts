/**
 * @module
 * Warnings the application's operator must see. OpenTelemetry's `diag` logger is silent unless the
 * application installs one, which is right for telemetry noise but wrong for "your calls are not
 * recorded" or "your spans are being dropped": those go to stderr, one line each, once.
 */

const given = new Set<string>();

/** Writes `tokenwatch: <message>` to stderr as one line. Never throws. */
export function warn(message: string): void {
  try {
    process.stderr.write(`tokenwatch: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  } catch {
    // stderr closed or broken: nothing better to do, and the application must not notice.
  }
}

/** {@link warn}, once per `key` for the life of the process. */
export function warnOnce(key: string, message: string): void {
  if (given.has(key)) return;
  given.add(key);
  warn(message);
}

/** The advice every "calls are not seen" warning ends with. */
export const FIX_ADVICE =
  'run the app with `node --import @tokenwatch/instrumentation/register app.js`, ' +
  'or wrap each client with `instrument(client)`';
