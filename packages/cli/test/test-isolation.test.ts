import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliArgs, repo } from './serve-process.ts';

const run = promisify(execFile);

// A developer's tokenwatch.yaml or ./.tokenwatch/data in the repository root (where the README
// says to put them) must not leak into the tests: the CLI a test spawns from the repository root,
// with the environment tests pass on, resolves the run's own config and data directory.
describe('test isolation', () => {
  it('a CLI spawned from the repository root reads no config or data dir of the working directory', async () => {
    const { stdout } = await run(
      process.execPath,
      [...cliArgs, 'config', 'show', '--format', 'json'],
      {
        cwd: repo,
        env: process.env,
      },
    );
    const shown = JSON.parse(stdout) as { configFile: string | null; store: { dataDir: string } };
    expect(shown.configFile).toBeTruthy();
    expect(shown.configFile!.startsWith(repo)).toBe(false);
    expect(shown.store.dataDir.startsWith(repo)).toBe(false);
  });
});
