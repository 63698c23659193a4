import type { Read } from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import type { z } from 'zod';
import { readOnce } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRead } from '../output.ts';

/** A read verb's flags: `[flags, description]`; each flag is the read's query parameter of that name. */
export type ReadOptions = readonly (readonly [flags: string, description: string])[];

/**
 * Declares a verb that asks one read of the contract and prints it: its flags are the read's
 * query parameters (no defaults here: those are the read's), plus `--tenant` and `--format`.
 * It asks the store in process, or a running `serve`, through the same client.
 */
export function readCommand<Q, S extends z.ZodType>(
  parent: Command,
  read: Read<Q, S>,
  spec: { name: string; description: string; options: ReadOptions },
): Command {
  const print = read.print;
  if (!print) throw new Error(`read ${read.name} prints no tables`);
  const command = parent.command(spec.name).description(spec.description);
  for (const [flags, description] of spec.options) {
    const fallback = read.defaults?.[paramOf(flags)];
    command.option(
      flags,
      fallback === undefined ? description : `${description} (default: ${fallback})`,
    );
  }
  return command
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .addOption(formatOption())
    .action(async (opts: Record<string, string | undefined>, self: Command) => {
      const { tenant, format: _format, ...params } = opts;
      const global = self.optsWithGlobals<GlobalOptions>();
      const result = await readOnce(configFrom(self), global.server, tenant!, read, params);
      const { stdout, stderr } = renderRead(print, result, global.format);
      process.stdout.write(stdout);
      if (stderr) process.stderr.write(stderr);
    });
}

/** The parameter a flag stands for: `--dry-run <x>` → `dryRun`, as commander names it. */
function paramOf(flags: string): string {
  const long = /--([a-z][a-z-]*)/.exec(flags)?.[1] ?? '';
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
