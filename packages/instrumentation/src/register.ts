/**
 * @module
 * Zero-code entry point, configured by the environment alone:
 *
 * ```sh
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=support-bot \
 *   node --import @tokenwatch/instrumentation/register app.js
 * ```
 *
 * For ESM applications it registers the `import-in-the-middle` loader hook through
 * `module.register()` (the hook `@opentelemetry/instrumentation/hook.mjs` re-exports, the only one
 * the OpenTelemetry project supports), limited to the packages Tokenwatch patches so no other module
 * is wrapped. CommonJS applications are patched through the require hook. Spans are flushed when
 * the event loop empties (`beforeExit`); an application that ends with `process.exit()` or a signal
 * should call the handle's `shutdown()` itself (use `register()` from the main entry point then).
 */
import * as nodeModule from 'node:module';
import { diag } from '@opentelemetry/api';
import { readEnvOptions } from './env.ts';
import { register } from './sdk.ts';

/** The modules the loader hook wraps: those the instrumentations patch. */
const HOOKED_MODULES = ['openai', '@anthropic-ai/sdk'];

function loaderHookGiven(): boolean {
  // `--experimental-loader=@opentelemetry/instrumentation/hook.mjs` (the older recipe) already
  // installed it; a second one would wrap the modules twice.
  return process.execArgv.some((arg) => arg.includes('instrumentation/hook.mjs'));
}

function registerLoaderHook(): void {
  if (typeof nodeModule.register !== 'function' || loaderHookGiven()) return;
  try {
    nodeModule.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: HOOKED_MODULES },
    });
  } catch (err) {
    diag.warn(`tokenwatch: could not register the ESM loader hook: ${(err as Error).message}`);
  }
}

const options = readEnvOptions();
if (options.enabled) {
  registerLoaderHook();
  const handle = register(options);
  // Flush once the application is done; `once` because the flush itself schedules work, after
  // which beforeExit fires again.
  process.once('beforeExit', () => {
    handle.shutdown().catch((err: unknown) => {
      diag.error('tokenwatch: shutdown failed', err);
    });
  });
}
