import type { Command } from 'commander';
import { backendSql, closeBackend, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderResult } from '../output.ts';

/** `tokenwatch sql "<query>"`: ad-hoc SQL, read-only unless --write. */
export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run one SQL statement against the store (read-only unless --write)')
    .argument(
      '<query>',
      'the statement, e.g. "SELECT model, sum(total_cost) FROM llm_calls GROUP BY model"',
    )
    .option('--write', 'allow statements that change data or schema', false)
    .addOption(formatOption())
    .action(async (query: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { write: boolean }>();
      const backend = await openBackend(configFrom(command), opts.server);
      try {
        const result = await backendSql(backend, query, opts.write);
        process.stdout.write(renderResult(result, opts.format));
      } finally {
        await closeBackend(backend);
      }
    });
}
