import { TIME_FORMS } from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { backendReprice, closeBackend, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions, parseTimeFlag } from '../options.ts';
import { renderRecords } from '../output.ts';

/** `tokenwatch reprice --since DATE [--dry-run]`: recompute stored costs after a price change. */
export function registerReprice(program: Command): void {
  program
    .command('reprice')
    .description(
      'recompute stored costs with the current prices (bundled data and tokenwatch.yaml overrides)',
    )
    .requiredOption('--since <time>', `first call time to reprice: ${TIME_FORMS}`)
    .option('--tenant <tenant>', 'only this tenant')
    .option('--dry-run', 'print the difference by model without writing', false)
    .addOption(formatOption())
    .action(async (opts: { since: string; tenant?: string; dryRun: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const since = parseTimeFlag('--since', opts.since, {
        now: new Date(),
        timezone: config.timezone,
      });
      const backend = await openBackend(config, global.server);
      try {
        const summary = await backendReprice(backend, config.prices, {
          since,
          dryRun: opts.dryRun,
          tenant: opts.tenant,
        });
        if (global.format === 'json') {
          process.stdout.write(
            `${JSON.stringify({ dryRun: opts.dryRun, models: summary }, null, 2)}\n`,
          );
        } else if (summary.length === 0) {
          process.stdout.write('No stored cost changes with the current prices.\n');
        } else {
          const rows = summary.map((s) => ({
            model: s.model,
            calls: s.calls,
            old_usd: s.oldCost,
            new_usd: s.newCost,
            delta_usd: s.delta,
          }));
          process.stdout.write(renderRecords(rows, global.format));
          if (global.format === 'table')
            process.stdout.write(
              opts.dryRun ? 'Dry run: nothing written.\n' : 'Stored costs updated.\n',
            );
        }
      } finally {
        await closeBackend(backend);
      }
    });
}
