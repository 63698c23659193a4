import { createRequire } from 'node:module';
import type { Config } from '@tokenwatch/config';
import type { Command } from 'commander';
import { backendSql, closeBackend, embeddedStoreMissing, openBackend } from '../backend.ts';
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
      const info = {
        tokenwatch: (require('../../package.json') as { version: string }).version,
        node: process.versions.node,
        ...(await engineVersion(configFrom(command), opts.server)),
      };
      process.stdout.write(
        opts.format === 'json'
          ? `${JSON.stringify(info, null, 2)}\n`
          : renderRecords([info], opts.format),
      );
    });
}

/** The store's engine version; versions are worth printing with no store yet, so none is made. */
async function engineVersion(
  config: Config,
  server: string | undefined,
): Promise<{ clickhouse: string; store: string }> {
  if (!server && embeddedStoreMissing(config)) return { clickhouse: '', store: 'none yet' };
  const backend = await openBackend(config, server);
  try {
    const result = await backendSql(backend, 'SELECT version()', false);
    return {
      clickhouse: result.rows[0]?.[0] ?? 'unknown',
      store: backend.kind === 'remote' ? `server at ${backend.url}` : backend.store.kind,
    };
  } finally {
    await closeBackend(backend);
  }
}
