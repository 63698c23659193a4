import {
  type Config,
  ConfigError,
  type ConfigWatcher,
  changedSections,
  keepRestartOnly,
  type LoadedConfig,
  restartOnlyChanges,
  watchConfigFile,
} from '@tokenwatch/config';

/** What became of one reload. */
export type ReloadOutcome =
  | { result: 'applied'; sha256: string; changed: string[] }
  /** A file event whose file still holds the bytes in effect (a touch, a save without edits). */
  | { result: 'unchanged' }
  | { result: 'refused'; reason: string };

/** Options of {@link createConfigReloader}. */
export type ConfigReloaderOptions = {
  /** The configuration in effect at start, with the checksum of its file. */
  initial: LoadedConfig;
  /** Loads the configuration again, from the same flags, environment and file as at start. */
  load: () => LoadedConfig;
  /** Why a valid configuration must still not be applied (e.g. it would open the server). */
  refuse?: (next: Config) => string | undefined;
  /**
   * Applies a checked configuration (restart-only settings already kept at their running values)
   * to every component. It should swap what requests read before its first await.
   */
  apply: (next: Config, running: Config) => Promise<void>;
  /** Told about every attempt that was applied or refused (metrics). */
  onOutcome?: (outcome: ReloadOutcome, inEffect: LoadedConfig, at: Date) => void;
  log: (message: string) => void;
  /** Reloads wait for it first: nothing is applied while migrations run. @default resolved */
  after?: Promise<unknown>;
};

/** Reloads the configuration of a running `serve`, one reload at a time. */
export type ConfigReloader = {
  /** The configuration in effect and the checksum of the file it came from. */
  readonly current: LoadedConfig;
  /**
   * Loads the file again and applies what can change live. `file` (a watch event) does nothing
   * when the bytes are those in effect; any other trigger (`SIGHUP`) always reloads.
   */
  reload(trigger: string): Promise<ReloadOutcome>;
  /** Reloads whenever `file` changes (debounced); see `watchConfigFile`. */
  watch(file: string, options?: { debounceMs?: number }): void;
  /** Resolves once no reload is queued or running. */
  idle(): Promise<void>;
  /** Stops watching; reloads already asked for still run. */
  close(): void;
};

/**
 * The reload policy of `serve`: an edit that does not parse or validate is refused and logged
 * with its file, line and key, and the running configuration stays; restart-only settings
 * (listening address, store) are logged as needing a restart and keep their running values;
 * everything else is applied.
 */
export function createConfigReloader(options: ConfigReloaderOptions): ConfigReloader {
  const { log } = options;
  let current = options.initial;
  let chain: Promise<unknown> = (options.after ?? Promise.resolve()).catch(() => undefined);
  let lastRefusal: string | undefined;
  let watcher: ConfigWatcher | undefined;

  const short = (sha256: string) => sha256.slice(0, 12);

  async function reloadNow(trigger: string): Promise<ReloadOutcome> {
    const running = current.config;
    let loaded: LoadedConfig;
    try {
      loaded = options.load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return refuse(trigger, err.message);
    }
    if (trigger === 'file' && loaded.sha256 === current.sha256) {
      lastRefusal = undefined;
      return { result: 'unchanged' };
    }
    const file = loaded.config.configFile ?? 'the configuration';
    for (const change of restartOnlyChanges(running, loaded.config)) {
      log(
        `tokenwatch: ${file}: ${change.key} changed from ${change.running} to ${change.edited}: ` +
          `needs a restart (still using ${change.running})`,
      );
    }
    const next = keepRestartOnly(running, loaded.config);
    const refusal = options.refuse?.(next);
    if (refusal) return refuse(trigger, `${file}: ${refusal}`);
    const changed = changedSections(running, next);
    try {
      await options.apply(next, running);
    } catch (err) {
      // Requests already read the new settings (apply swaps them first): report it as in effect.
      log(`tokenwatch: config reload (${trigger}) partly failed: ${(err as Error).message}`);
    }
    current = { config: next, sha256: loaded.sha256 };
    lastRefusal = undefined;
    const outcome: ReloadOutcome = { result: 'applied', sha256: loaded.sha256, changed };
    log(
      `tokenwatch: config reloaded (${trigger}) from ${file}, sha256 ${short(loaded.sha256)}: ` +
        (changed.length > 0 ? `${changed.join(', ')} changed` : 'no setting changed'),
    );
    options.onOutcome?.(outcome, current, new Date());
    return outcome;
  }

  function refuse(trigger: string, reason: string): ReloadOutcome {
    // An editor's intermediate states, or one broken save seen by several events, log once.
    if (trigger !== 'file' || reason !== lastRefusal) {
      log(
        `tokenwatch: config reload (${trigger}) refused, keeping the running config ` +
          `(sha256 ${short(current.sha256)}): ${reason}`,
      );
    }
    lastRefusal = reason;
    const outcome: ReloadOutcome = { result: 'refused', reason };
    options.onOutcome?.(outcome, current, new Date());
    return outcome;
  }

  const reloader: ConfigReloader = {
    get current() {
      return current;
    },
    reload(trigger) {
      const result = chain.then(() => reloadNow(trigger));
      chain = result.catch(() => undefined);
      return result;
    },
    watch(file, watchOptions = {}) {
      watcher?.close();
      watcher = watchConfigFile(
        file,
        () => {
          reloader
            .reload('file')
            .catch((err: unknown) =>
              log(`tokenwatch: config reload failed: ${(err as Error).stack ?? String(err)}`),
            );
        },
        {
          debounceMs: watchOptions.debounceMs,
          onError: (err) => log(`tokenwatch: cannot watch ${file} for edits: ${err.message}`),
        },
      );
    },
    idle: () => chain.then(() => undefined),
    close() {
      watcher?.close();
      watcher = undefined;
    },
  };
  return reloader;
}
