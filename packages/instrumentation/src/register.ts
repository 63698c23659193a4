/**
 * @module
 * Zero-code entry point, configured by the environment alone:
 *
 * ```sh
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=support-bot \
 *   node --import @tokenwatch/instrumentation/register app.js
 * ```
 *
 * It runs before the application is loaded, so every SDK module the application loads is hooked:
 * ESM through the `import-in-the-middle` loader hook (see loader-hook.ts), CommonJS through the
 * require hook. Spans are flushed when the event loop empties (`beforeExit`), for at most a few
 * seconds; an application that ends with `process.exit()` or a signal should call the handle's
 * `shutdown()` itself (use `register()` from the main entry point then).
 */
import { isMainThread } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { readEnvOptions } from './env.ts';
import { startTokenwatch } from './sdk.ts';

// Preloads given with `--require` also run in Node's module-hooks worker thread, where starting
// the SDK would register the loader hook a second time (Node warns) and export nothing: the
// application runs on the main thread. Worker threads of the application call `register()`.
const options = readEnvOptions();
if (options.enabled && isMainThread) {
  const handle = startTokenwatch(options, { entry: 'preload' });
  // Flush once the application is done; `once` because the flush itself schedules work, after
  // which beforeExit fires again. The shutdown is bounded, so a collector that is down does not
  // hold the exit.
  process.once('beforeExit', () => {
    handle.shutdown().catch((err: unknown) => {
      diag.error('tokenwatch: shutdown failed', err);
    });
  });
}
