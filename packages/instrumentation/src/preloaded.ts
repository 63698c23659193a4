/**
 * @module
 * SDKs the application loaded before `register()`: a `require` above the call in CommonJS, or,
 * in ESM, any static import (static imports are evaluated before the importing module's body, so
 * `import OpenAI from 'openai'` beside `register()` always runs first). The module hooks only see
 * modules loaded after them, so such an SDK would run unrecorded and unguarded, silently.
 *
 * - CommonJS: the SDK's resolved file in `require.cache` is proof it was loaded. Its exports are
 *   patched on the spot, synchronously, before `register()` returns: the patches live on the
 *   classes' prototypes, so the application's clients are covered from the next call on and
 *   nothing was lost. No warning is needed.
 * - ESM: Node has no public way to ask whether a module is in its ESM cache, and the namespace can
 *   only be had asynchronously. So, after the hooks are on, the SDK's ESM entry (resolved from the
 *   application's entry point, as the application resolves it) is imported once, with a tiny
 *   loader hook watching whether Node asks to load that file. No load means the module was
 *   already evaluated: it was imported before `register()`. Either way the namespace is patched;
 *   in the first case calls made before the patch (a few milliseconds after `register()`, i.e.
 *   typically the first call) were missed, and one warning says so with the two reliable fixes.
 *   Checking whether the patch fired, as one might expect, cannot tell: import-in-the-middle
 *   wraps an already-evaluated module again on a new URL, so the patch fires in both cases.
 *
 * The ESM check imports the SDK, which costs its load time (70 to 200 ms of CPU) when the
 * application had not loaded it yet. It is therefore limited to SDKs the application's own
 * package.json declares, which it will load anyway, and it runs only for in-code `register()` in
 * an ESM application, never for the `--import` entry (nothing is loaded yet then).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { isRecord } from './json.ts';
import { FIX_ADVICE, warnOnce } from './warn.ts';

/** An SDK module and how to patch its exports. */
export type PatchTarget = { name: string; patch: (moduleExports: unknown) => void };

/** The file the application started from: packages are resolved from there, as it does. */
function appEntry(): string {
  const main = process.argv[1];
  return main ? resolve(main) : join(process.cwd(), 'index.js');
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Patches SDKs already in `require.cache`, synchronously. Never throws. */
export function patchLoadedCommonJs(targets: readonly PatchTarget[]): void {
  const require = nodeModule.createRequire(appEntry());
  for (const target of targets) {
    try {
      const loaded = require.cache[require.resolve(target.name)];
      if (loaded) target.patch(loaded.exports);
    } catch {
      // Not installed where the application would find it: nothing to patch.
    }
  }
}

// Conditions Node's ESM resolver applies (plus the command line's `--conditions`).
function importConditions(): Set<string> {
  const conditions = new Set(['node', 'import']);
  if ((process.features as { require_module?: boolean }).require_module) {
    conditions.add('module-sync');
  }
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--conditions=')) conditions.add(arg.slice('--conditions='.length));
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) conditions.add(args[++i]!);
  }
  return conditions;
}

function pickTarget(target: unknown, conditions: ReadonlySet<string>): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const each of target) {
      const picked = pickTarget(each, conditions);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (!isRecord(target)) return undefined;
  for (const [key, value] of Object.entries(target)) {
    if (key !== 'default' && !conditions.has(key)) continue;
    const picked = pickTarget(value, conditions);
    if (picked !== undefined) return picked;
  }
  return undefined;
}

/**
 * The file `import(name)` loads from the application, found from the CommonJS resolution (the
 * same installed copy) and the package's `exports`; undefined when it is the CommonJS file
 * itself (then `require.cache` tells) or cannot be worked out.
 */
function esmEntry(name: string, cjsPath: string): string | undefined {
  let dir = dirname(cjsPath);
  for (let depth = 0; depth < 12; depth++) {
    const pkg = existsSync(join(dir, 'package.json'))
      ? readJson(join(dir, 'package.json'))
      : undefined;
    if (pkg?.name === name) {
      const { exports } = pkg;
      const root =
        isRecord(exports) && Object.keys(exports).some((key) => key.startsWith('.'))
          ? exports['.']
          : exports;
      const picked = pickTarget(root, importConditions());
      if (picked === undefined) return undefined;
      const file = resolve(dir, picked);
      return file === cjsPath ? undefined : file;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/**
 * Whether the application's package.json (the nearest one above its entry point with a name or
 * dependencies; a bare `{ "type": "module" }` marker is skipped) declares `name`.
 */
function declaredByApp(name: string): boolean {
  const fields = ['dependencies', 'devDependencies', 'optionalDependencies'];
  let dir = dirname(appEntry());
  for (;;) {
    const pkg = readJson(join(dir, 'package.json'));
    if (pkg && (typeof pkg.name === 'string' || fields.some((field) => field in pkg))) {
      return fields.some((field) => {
        const deps = pkg[field];
        return isRecord(deps) && name in deps;
      });
    }
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

// Runs in Node's loader thread: reports each load of a watched URL, and echoes a "sync" message so
// the main thread knows every report sent before it has arrived (messages on a port keep order).
const WATCH_HOOK = `
let port;
let watched = new Set();
export function initialize(data) {
  port = data.port;
  watched = new Set(data.urls);
  port.on('message', () => { port.postMessage({ synced: true }); watched.clear(); });
  port.on('close', () => watched.clear());
  port.unref();
}
export async function load(url, context, nextLoad) {
  if (watched.has(url)) port.postMessage({ loaded: url });
  return nextLoad(url, context);
}`;

/** Longest wait for the loader thread; past it, no verdict and no warning. */
const PROBE_TIMEOUT_MS = 2_000;

type Probe = PatchTarget & { url: string };

/**
 * The ESM check described in the module comment: patches each declared SDK's ESM namespace and
 * resolves with the names of those that had been imported before. Never rejects.
 */
async function probe(probes: readonly Probe[]): Promise<string[]> {
  const { port1, port2 } = new MessageChannel();
  const loaded = new Set<string>();
  let synced!: () => void;
  const sync = new Promise<void>((done) => {
    synced = done;
  });
  port1.on('message', (message: { loaded?: string; synced?: boolean }) => {
    if (message.loaded) loaded.add(message.loaded);
    if (message.synced) synced();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    nodeModule.register(`data:text/javascript,${encodeURIComponent(WATCH_HOOK)}`, {
      data: { port: port2, urls: probes.map((each) => each.url) },
      transferList: [port2],
    });
    const imported = await Promise.all(
      probes.map(async (each) => {
        try {
          // Patched as soon as it arrives: calls made before this are the ones missed.
          each.patch(await import(each.url));
          return true;
        } catch (err) {
          diag.debug(`tokenwatch: could not check ${each.name}: ${(err as Error).message}`);
          return false;
        }
      }),
    );
    port1.postMessage('sync');
    const timeout = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), PROBE_TIMEOUT_MS);
      timer.unref();
    });
    if ((await Promise.race([sync, timeout])) === 'timeout') return [];
    return probes
      .filter((each, i) => imported[i] && !loaded.has(each.url))
      .map((each) => each.name);
  } catch (err) {
    diag.debug(`tokenwatch: could not check for SDKs imported before register(): ${err}`);
    return [];
  } finally {
    clearTimeout(timer);
    port1.close();
  }
}

let probed = false;

function isEsmApplication(): boolean {
  // Node sets `require.main` only when the entry point is a CommonJS module.
  return nodeModule.createRequire(appEntry()).main === undefined;
}

/**
 * In an ESM application, patches the SDKs it declares and warns once (stderr) about those it had
 * imported before `register()`. Runs in the background; never rejects.
 */
export async function checkEsmImports(targets: readonly PatchTarget[]): Promise<void> {
  try {
    // Once per process: a register() after shutdown() finds the same modules.
    if (probed || !isEsmApplication() || typeof nodeModule.register !== 'function') return;
    probed = true;
    const require = nodeModule.createRequire(appEntry());
    const probes: Probe[] = [];
    for (const target of targets) {
      let cjsPath: string;
      try {
        cjsPath = require.resolve(target.name);
      } catch {
        continue;
      }
      // Loaded as CommonJS (or ESM importing a CommonJS build): patchLoadedCommonJs did it.
      if (require.cache[cjsPath] || !declaredByApp(target.name)) continue;
      const file = esmEntry(target.name, cjsPath);
      if (file) probes.push({ ...target, url: pathToFileURL(file).href });
    }
    if (probes.length === 0) return;
    const early = await probe(probes);
    if (early.length === 0) return;
    const [its, it] = early.length > 1 ? ['their', 'them'] : ['its', 'it'];
    warnOnce(
      'imported-before-register',
      `${early.join(' and ')} ${early.length > 1 ? 'were' : 'was'} imported before register() ` +
        `(static imports run first), so ${its} calls until Tokenwatch patched ${it} a moment later ` +
        `were neither recorded nor checked against budgets; import ${it} after register() ` +
        `(\`await import('${early[0]}')\`), ${FIX_ADVICE}`,
    );
  } catch (err) {
    diag.debug(`tokenwatch: could not check for SDKs imported before register(): ${err}`);
  }
}
