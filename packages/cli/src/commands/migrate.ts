import { loadMigrations, renderClusterDdl } from '@tokenwatch/store';
import type { Command } from 'commander';
import { backendMigrate, closeBackend, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

/** `tokenwatch migrate`: apply the schema, or print it for a cluster. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply schema migrations (serve also applies them at start)')
    .option(
      '--cluster <name>',
      'render for a ClickHouse cluster: ON CLUSTER, Replicated and Distributed tables',
    )
    .option('--print', 'print the DDL instead of applying it', false)
    .addOption(formatOption())
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { cluster?: string; print: boolean }>();
      if (opts.print) {
        const migrations = loadMigrations();
        process.stdout.write(
          opts.cluster
            ? renderClusterDdl(migrations, opts.cluster)
            : migrations.map((m) => `-- ${m.file}\n${m.sql.trim()};\n`).join('\n'),
        );
        return;
      }
      const backend = await openBackend(
        configFrom(command, { cluster: opts.cluster }),
        opts.server,
        { create: true },
      );
      try {
        const result = await backendMigrate(backend);
        const records = [
          ...result.applied.map((file) => ({ migration: file, status: 'applied' })),
          ...result.skipped.map((file) => ({ migration: file, status: 'already applied' })),
        ];
        process.stdout.write(
          opts.format === 'json'
            ? `${JSON.stringify(result, null, 2)}\n`
            : renderRecords(records, opts.format),
        );
      } finally {
        await closeBackend(backend);
      }
    });
}
