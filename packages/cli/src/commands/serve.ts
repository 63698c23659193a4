import { loadConfigWithChecksum } from '@tokenwatch/config';
import type { Command } from 'commander';
import type { GlobalOptions } from '../options.ts';
import { type RunningServer, startServer } from '../server/start-server.ts';

/** `tokenwatch serve`: the collector and API process. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the OTLP/HTTP collector and the API (embedded store unless --clickhouse-url)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 4318)', (v) => Number.parseInt(v, 10))
    .option('--insecure', 'allow listening on a non-loopback address without API keys', false)
    .action(async (opts: { host?: string; port?: number; insecure: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Reloads read the same flags and environment as the start: only the file's edits count.
      const load = () =>
        loadConfigWithChecksum({
          flags: {
            config: globals.config,
            dataDir: globals.dataDir,
            clickhouseUrl: globals.clickhouseUrl,
            host: opts.host,
            port: opts.port,
          },
        });
      const { config, sha256 } = load();
      let server: RunningServer | undefined;
      let stopping = false;
      // The conventional "reread your configuration" signal (a file edit does the same). Handled
      // from the start: unhandled, SIGHUP would end the process while it opens the store.
      process.on('SIGHUP', () => {
        if (stopping) return;
        if (!server) {
          console.error('tokenwatch: SIGHUP before the server started; the config just read stays');
          return;
        }
        server
          .reloadConfig('SIGHUP')
          .catch((err: unknown) =>
            console.error(`tokenwatch: config reload failed: ${(err as Error).message}`),
          );
      });
      server = await startServer(config, { insecure: opts.insecure, reload: load, sha256 });
      const running = server;
      const where = config.store.clickhouseUrl ? 'ClickHouse server' : config.store.dataDir;
      console.error(`tokenwatch: listening on ${running.url} (store: ${where})`);
      const stop = (signal: string) => {
        // Ctrl-C under `pnpm start` arrives twice (from the terminal and forwarded by pnpm): a
        // repeated signal must not kill the process half-way through draining.
        if (stopping) return;
        stopping = true;
        console.error(`tokenwatch: ${signal}, shutting down`);
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error('tokenwatch: shutdown failed', err);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      try {
        await running.ready;
      } catch (err) {
        await running.close();
        throw err;
      }
      console.error(`tokenwatch: ready (${running.url}/readyz)`);
    });
}
