import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigWatcher, watchConfigFile } from './watch.ts';

const DEBOUNCE_MS = 150;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A config file in a fresh directory, watched; `calls()` counts the debounced notifications. */
function watched(): { dir: string; file: string; calls: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-watch-'));
  const file = join(dir, 'tokenwatch.yaml');
  writeFileSync(file, 'timezone: UTC\n');
  let count = 0;
  const watcher: ConfigWatcher = watchConfigFile(file, () => count++, { debounceMs: DEBOUNCE_MS });
  cleanups.push(() => {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, file, calls: () => count };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) await sleep(20);
}

describe('watchConfigFile', () => {
  it('notifies once for a save made of several writes', async () => {
    const { file, calls } = watched();
    writeFileSync(file, '');
    writeFileSync(file, 'timezone: Europe/Paris\n');
    writeFileSync(file, 'timezone: Europe/Paris\nbudgets: []\n');
    await until(() => calls() > 0);
    await sleep(DEBOUNCE_MS * 3);
    expect(calls()).toBe(1);
  });

  it('keeps notifying after the file is replaced by a rename, as editors save', async () => {
    const { dir, file, calls } = watched();
    for (let save = 1; save <= 2; save++) {
      const temporary = join(dir, `.tokenwatch.yaml.${save}.tmp`);
      writeFileSync(temporary, `timezone: UTC\n# save ${save}\n`);
      renameSync(temporary, file);
      await until(() => calls() === save);
      expect(calls()).toBe(save);
    }
  });

  it('ignores other files in the directory', async () => {
    const { dir, calls } = watched();
    writeFileSync(join(dir, 'notes.txt'), 'not the config');
    await sleep(DEBOUNCE_MS * 4);
    expect(calls()).toBe(0);
  });
});
