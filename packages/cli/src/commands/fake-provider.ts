import { isIP } from 'node:net';
import { DEFAULT_TEXT, type FakeLlm, listEndpoints, startFakeLlm } from '@tokenwatch/fake-llm';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError } from '../backend.ts';

/** A port few local tools take, and clear of the OTLP ports 4317/4318 that `serve` uses. */
const DEFAULT_FAKE_PROVIDER_PORT = 8787;

/** Placeholder keys: the SDKs refuse to start without one, and the fake accepts any. */
const DUMMY_OPENAI_KEY = 'sk-fake-tokenwatch';
const DUMMY_ANTHROPIC_KEY = 'sk-ant-fake-tokenwatch';

/** `127.0.0.0/8`, `::1` and `localhost`: addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** `--port`: a whole number in range, so a typo fails here rather than as a listen error. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return port;
}

/** The lines `--help` shows after the options: what the fake answers and how. */
function endpointsHelp(): string {
  const lines = listEndpoints().map(
    ({ method, path, provider }) =>
      `  ${method.padEnd(4)} ${path.padEnd(28)} ${provider === 'openai' ? 'OpenAI' : 'Anthropic'}`,
  );
  return [
    '',
    'Endpoints (JSON and streaming where the real API streams):',
    ...lines,
    '',
    'No model runs: every call is answered with',
    `  "${DEFAULT_TEXT}"`,
    'and its usage is estimated at about 4 characters per token of the request text and of the',
    'reply, so token counts are realistic in size but not what a real model would bill.',
  ].join('\n');
}

/** What a newcomer needs: the base URLs and the environment lines the official SDKs read. */
function fakeProviderBanner(fake: FakeLlm): string {
  return [
    'Fake OpenAI + Anthropic API (no model, no key needed)',
    `  OpenAI base URL:    ${fake.openaiBaseUrl}`,
    `  Anthropic base URL: ${fake.anthropicBaseUrl}`,
    '',
    'Point an agent at it with these environment variables:',
    '',
    `OPENAI_BASE_URL=${fake.openaiBaseUrl}`,
    `OPENAI_API_KEY=${DUMMY_OPENAI_KEY}`,
    `ANTHROPIC_BASE_URL=${fake.anthropicBaseUrl}`,
    `ANTHROPIC_API_KEY=${DUMMY_ANTHROPIC_KEY}`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

/** `tokenwatch fake-provider`: the fake OpenAI + Anthropic API on its own, to try without keys. */
export function registerFakeProvider(program: Command): void {
  program
    .command('fake-provider')
    .description('run a fake OpenAI + Anthropic API to try Tokenwatch without provider keys')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--port <port>',
      'port to listen on (0 picks a free one)',
      parsePort,
      DEFAULT_FAKE_PROVIDER_PORT,
    )
    .option('--insecure', 'allow listening on a non-loopback address', false)
    .addHelpText('after', endpointsHelp())
    .action(async (opts: { host: string; port: number; insecure: boolean }) => {
      if (!isLoopback(opts.host) && !opts.insecure) {
        // Anyone who can reach the port could use it; that is only wanted on purpose.
        throw new CliError(
          `Refusing to listen on ${opts.host}: the fake provider only binds loopback. ` +
            'Pass --insecure to expose it anyway.',
        );
      }
      let fake: FakeLlm;
      try {
        // Recording would keep every request in memory for as long as the process runs.
        fake = await startFakeLlm({ host: opts.host, port: opts.port, recordRequests: false });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new CliError(
            `Port ${opts.port} on ${opts.host} is already in use (--port to pick another)`,
          );
        throw err;
      }
      process.stdout.write(fakeProviderBanner(fake));
      // Resolving (rather than exiting) lets the process end on its own once the port is closed,
      // with exit code 0. The listeners stay (they do not hold the process open): a terminal's
      // Ctrl-C reaches this process both directly and through a `pnpm` wrapper, and the second
      // signal must not kill it half-way through closing.
      await new Promise<void>((resolve, reject) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          console.error(`tokenwatch: ${signal}, stopping the fake provider`);
          fake.close().then(resolve, reject);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
