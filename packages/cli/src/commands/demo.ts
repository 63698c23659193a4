import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.ts';

const DEFAULT_DEMO_DIR = './.tokenwatch/demo';

/** `tokenwatch demo`: a runaway agent and a cache-breaking agent, found in a few minutes. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulate eight agents and show what Tokenwatch finds (about 3 minutes)')
    .option('--fast', 'a ~40-second version (env TOKENWATCH_DEMO_FAST=1)', false)
    .option('--dir <dir>', `the demo's own data dir, emptied first (default ${DEFAULT_DEMO_DIR})`)
    .action(async (opts: { fast: boolean; dir?: string }) => {
      await runDemo({
        fast: opts.fast || process.env.TOKENWATCH_DEMO_FAST === '1',
        dataDir: opts.dir ?? DEFAULT_DEMO_DIR,
      });
    });
}
