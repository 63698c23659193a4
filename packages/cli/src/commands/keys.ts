import { randomBytes } from 'node:crypto';
import { hashApiKey } from '@tokenwatch/config';
import type { Command } from 'commander';
import { CliError } from '../backend.ts';
import { formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

/** `tokenwatch keys create --tenant NAME`: a new API key and the line that enables it. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('make a new API key for a tenant (printed once; the config keeps only its hash)')
    .requiredOption('--tenant <name>', 'tenant the key writes and reads as')
    .addOption(formatOption())
    .action((opts: { tenant: string }, command: Command) => {
      const { format } = command.optsWithGlobals<GlobalOptions>();
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.tenant)) {
        throw new CliError('--tenant: letters, digits, _ . - (at most 64)');
      }
      const key = `tw_${randomBytes(24).toString('base64url')}`;
      const record = { tenant: opts.tenant, key, key_sha256: hashApiKey(key) };
      if (format === 'table') {
        process.stdout.write(
          `API key for tenant ${opts.tenant} (shown once, store it in your secret manager):\n\n  ${key}\n\n` +
            `Add to tokenwatch.yaml:\n\nauth:\n  keys:\n    - tenant: ${opts.tenant}\n      key_sha256: ${record.key_sha256}\n`,
        );
        return;
      }
      process.stdout.write(
        format === 'json'
          ? `${JSON.stringify(record, null, 2)}\n`
          : renderRecords([record], format),
      );
    });
}
