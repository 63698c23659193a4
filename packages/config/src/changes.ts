import type { Config } from './load.ts';

/** A setting edited in the file that only takes effect when `serve` starts again. */
export type RestartOnlyChange = {
  /** The key as written in tokenwatch.yaml, e.g. `server.port`. */
  key: string;
  /** The running value and the edited one, as text; secrets are left out. */
  running: string;
  edited: string;
};

type RestartOnly = { key: string; read: (config: Config) => unknown; secret?: boolean };

/**
 * Settings bound when the process starts: the listening socket, and the store the process holds
 * open (the embedded engine's directory lock, the spool beside it, the server connection).
 * Everything else is applied by `serve` as it runs.
 */
const RESTART_ONLY: readonly RestartOnly[] = [
  { key: 'server.host', read: (c) => c.server.host },
  { key: 'server.port', read: (c) => c.server.port },
  { key: 'store.data_dir', read: (c) => c.store.dataDir },
  // The URL may carry a password: say that it changed, never what to.
  { key: 'store.clickhouse_url', read: (c) => c.store.clickhouseUrl, secret: true },
  { key: 'store.cluster', read: (c) => c.store.cluster },
];

/** The restart-only settings that differ between the running configuration and an edited one. */
export function restartOnlyChanges(running: Config, edited: Config): RestartOnlyChange[] {
  const changes: RestartOnlyChange[] = [];
  for (const { key, read, secret } of RESTART_ONLY) {
    const before = read(running);
    const after = read(edited);
    if (before === after) continue;
    const show = (value: unknown) =>
      value === undefined ? '(unset)' : secret ? '(hidden)' : String(value);
    changes.push({ key, running: show(before), edited: show(after) });
  }
  return changes;
}

/**
 * The edited configuration with its restart-only settings kept at their running values: what a
 * live reload applies, so no component sees a port or a store the process is not using.
 */
export function keepRestartOnly(running: Config, edited: Config): Config {
  return { ...edited, server: running.server, store: running.store };
}

/** Top-level sections of the file, and where each lives in the resolved `Config`. */
const SECTIONS: readonly [name: string, read: (c: Config) => unknown][] = [
  ['server', (c) => c.server],
  ['store', (c) => c.store],
  ['auth.keys', (c) => c.apiKeys],
  ['ingest', (c) => c.ingest],
  ['attribution', (c) => c.attributionRules],
  ['prices', (c) => c.prices],
  ['timezone', (c) => c.timezone],
  ['budgets', (c) => c.budgets],
  ['anomalies', (c) => c.anomalies],
  ['alerts', (c) => c.alerts],
  ['reports', (c) => c.reports],
  ['reconcile', (c) => c.reconcile],
  ['retention', (c) => c.retention],
];

/**
 * The sections whose resolved values differ, in file order (`budgets`, `prices`, …). Components
 * use it to rebuild only what an edit touched.
 */
export function changedSections(running: Config, edited: Config): string[] {
  return SECTIONS.filter(([, read]) => !sameValue(read(running), read(edited))).map(
    ([name]) => name,
  );
}

/** Deep equality of parsed config values (plain data: objects, arrays, scalars, dates). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
