import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../client.ts';
import { migrate } from '../migrations.ts';

/** A migrated embedded store in a fresh temporary directory, for tests. */
export type TestStore = { store: Store; dataDir: string; cleanup(): Promise<void> };

/**
 * Opens a private embedded store. The engine allows one data directory per process, so each test
 * file (its own process under vitest's forks pool) opens one and shares it among its tests.
 */
export async function openTestStore(options: { migrate?: boolean } = {}): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-test-'));
  const store = await openStore({ kind: 'embedded', dataDir });
  if (options.migrate !== false) await migrate(store);
  return {
    store,
    dataDir,
    async cleanup() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
