/**
 * @module
 * The ESM loader hook: `import-in-the-middle`, registered through `module.register()` (the hook
 * `@opentelemetry/instrumentation/hook.mjs` re-exports, the only one the OpenTelemetry project
 * supports), limited to the packages Tokenwatch patches so no other module is wrapped. Both entry
 * points install it: the zero-code `--import` entry before the application loads, `register()` for
 * the SDKs the application imports after calling it.
 */
import * as nodeModule from 'node:module';
import { diag } from '@opentelemetry/api';

/** The modules the loader hook wraps: those the instrumentations patch. */
export const HOOKED_MODULES: readonly string[] = ['openai', '@anthropic-ai/sdk'];

// On the global object, not in a module variable: the `--import` entry and the package's main
// entry can be two copies of this module (a bundled dist), and a second hook would wrap the
// modules twice.
const INSTALLED = Symbol.for('@tokenwatch/instrumentation loader hook');

function givenOnCommandLine(): boolean {
  // `--experimental-loader @opentelemetry/instrumentation/hook.mjs` (the older recipe), or the
  // same with `import-in-the-middle/hook.mjs`, already installed it.
  return process.execArgv.some(
    (arg) => arg.includes('instrumentation/hook.mjs') || arg.includes('import-in-the-middle/hook'),
  );
}

/**
 * Installs the loader hook once per process; true when it is in place (installed now or before).
 * Modules evaluated before it keep their unpatched exports: only later imports are hooked.
 */
export function installLoaderHook(): boolean {
  const global = globalThis as { [INSTALLED]?: boolean };
  if (global[INSTALLED] || givenOnCommandLine()) return true;
  if (typeof nodeModule.register !== 'function') return false;
  try {
    nodeModule.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: HOOKED_MODULES },
    });
    global[INSTALLED] = true;
    return true;
  } catch (err) {
    diag.warn(`tokenwatch: could not register the ESM loader hook: ${(err as Error).message}`);
    return false;
  }
}
