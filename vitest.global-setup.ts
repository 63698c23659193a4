import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests never read the developer's `tokenwatch.yaml` or `./.tokenwatch/data` in the working
 * directory (the README tells users to put them in the repository root): every test process, and
 * every child it spawns, inherits a config file and a data directory of the run's own. A test that
 * needs another config or store passes its own (`--config`, `TOKENWATCH_CONFIG`, a temp store).
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-test-env-'));
  const config = join(dir, 'tokenwatch.yaml');
  writeFileSync(config, "# The test run's own, empty config: every key at its default.\n");
  mkdirSync(join(dir, 'data'));
  process.env.TOKENWATCH_CONFIG = config;
  process.env.TOKENWATCH_DATA_DIR = join(dir, 'data');
  return () => rmSync(dir, { recursive: true, force: true });
}
