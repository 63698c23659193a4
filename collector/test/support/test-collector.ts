/**
 * @module
 * A collector for the collector's tests (not used by production code): a private embedded store,
 * the default configuration (adjusted by the test) and the collector's app served on 127.0.0.1.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { type Config, loadConfig } from '@tokenwatch/config';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { type Collector, createCollector } from '../../src/collector.ts';

/** A running test collector: its store, the collector, its URL, and a stop for all three. */
export type TestCollector = {
  t: TestStore;
  collector: Collector;
  url: string;
  close(): Promise<void>;
};

/** Starts a collector with the defaults, as `configure` changes them. */
export async function startTestCollector(
  configure: (config: Config) => Config = (config) => config,
): Promise<TestCollector> {
  const t = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-collector-'));
  const config = configure(loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }));
  const collector = createCollector({ store: t.store, config });
  collector.start();
  const server = createAdaptorServer({ fetch: collector.app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    t,
    collector,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await collector.stop();
      await t.cleanup();
    },
  };
}
