import { type Config, type ConfigFlags, loadConfig } from '@tokenwatch/config';
import { type Command, Option } from 'commander';
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
