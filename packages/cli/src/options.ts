import { parseTime, type TimeContext } from '@tokenwatch/analyzer';
import { type Config, type ConfigFlags, loadConfig } from '@tokenwatch/config';
import { type Command, Option } from 'commander';
import { CliError } from './backend.ts';
import { FORMATS, type Format } from './output.ts';

/** Options every command accepts (declared on the program, read with optsWithGlobals). */
export type GlobalOptions = {
  config?: string;
  dataDir?: string;
  clickhouseUrl?: string;
  server?: string;
  format: Format;
};

/** The --format option of every data-printing command. */
export function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(FORMATS).default('table');
}

/** Resolves the configuration from a command's options (flags over env over file). */
export function configFrom(command: Command, extra: ConfigFlags = {}): Config {
  const opts = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({
    flags: {
      config: opts.config,
      dataDir: opts.dataDir,
      clickhouseUrl: opts.clickhouseUrl,
      ...extra,
    },
  });
}

/**
 * Reads a time flag with the one grammar every verb shares (`1d`, `90m`, `today`, `2026-12-01`,
 * `2026-W49`, ISO times), as a CliError naming the flag when the value is not a time.
 */
export function parseTimeFlag(flag: string, value: string, context: TimeContext): Date {
  try {
    return parseTime(value, context);
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`);
  }
}
