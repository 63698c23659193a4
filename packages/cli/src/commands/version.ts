import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { backendSql, closeBackend, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

const require = createRequire(import.meta.url);

/** `tokenwatch version`: versions of Tokenwatch, Node.js and the ClickHouse engine in use. */
export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print versions (Tokenwatch, Node.js, the ClickHouse engine of the store)')
    .addOption(formatOption())
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions>();
      const backend = await openBackend(configFrom(command), opts.server);
      let clickhouse: string;
      try {
        const result = await backendSql(backend, 'SELECT version()', false);
        clickhouse = result.rows[0]?.[0] ?? 'unknown';
      } finally {
        await closeBackend(backend);
      }
      const info = {
        tokenwatch: (require('../../package.json') as { version: string }).version,
        node: process.versions.node,
        clickhouse,
        store: backend.kind === 'remote' ? `server at ${backend.url}` : backend.store.kind,
      };
      process.stdout.write(
        opts.format === 'json'
          ? `${JSON.stringify(info, null, 2)}\n`
          : renderRecords([info], opts.format),
      );
    });
}
