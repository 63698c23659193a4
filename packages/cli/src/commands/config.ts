import { configJsonSchema } from '@tokenwatch/config';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

/** `tokenwatch config schema | show`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('schema')
    .description('print the JSON Schema of tokenwatch.yaml (for editors)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
  config
    .command('show')
    .description('print the resolved configuration (flags, environment, file and defaults)')
    .addOption(formatOption())
    .action((_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions>();
      const resolved = configFrom(command);
      const shown = {
        ...resolved,
        // The URL may carry a password.
        store: { ...resolved.store, clickhouseUrl: redact(resolved.store.clickhouseUrl) },
      };
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      if (opts.format === 'csv') {
        // One line per top-level key; nested values as JSON, which a spreadsheet keeps intact.
        const flat = Object.entries(shown).map(([key, value]) => ({
          key,
          value: typeof value === 'object' && value !== null ? JSON.stringify(value) : value,
        }));
        process.stdout.write(renderRecords(flat, opts.format));
        return;
      }
      // For people: the resolved configuration as YAML, nested lists and maps as they are written.
      process.stdout.write(stringify(shown, { lineWidth: 0 }));
    });
}

function redact(url: string | undefined): string | undefined {
  if (!url) return url;
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
