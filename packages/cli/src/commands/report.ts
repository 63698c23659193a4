import { writeFileSync } from 'node:fs';
import {
  type Dimension,
  parseDimensions,
  renderWeeklyReport,
  TIME_FORMS,
} from '@tokenwatch/analyzer';
import { REPORT_FORMATS, type ReportFormat } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { type Command, Option } from 'commander';
import { CliError, closeBackend, openBackend } from '../backend.ts';
import { configFrom, type GlobalOptions, parseTimeFlag } from '../options.ts';

type Options = {
  week?: string;
  from?: string;
  to?: string;
  by?: string;
  format: ReportFormat;
  out?: string;
  tz?: string;
  tenant: string;
};

/** `tokenwatch report weekly`: the weekly cost attribution report. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('cost reports')
    .command('weekly')
    .description(
      'who spent what, what changed, what was wasted, for one week (default: the last complete one)',
    )
    .option('--week <week>', 'ISO week, e.g. 2026-W47')
    .option('--from <time>', `start of a custom range (with --to): ${TIME_FORMS}`)
    .option('--to <time>', 'end of a custom range; a day or week given here is included whole')
    .option('--by <dimensions>', 'extra attribution, e.g. team,agent,feature,model')
    .addOption(
      new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('md'),
    )
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--tz <zone>', 'time zone of the week (default: the configured timezone)')
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .action(async (opts: Options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      if ((opts.from === undefined) !== (opts.to === undefined))
        throw new CliError('--from and --to go together');
      const config = configFrom(command);
      let by: Dimension[] | undefined;
      try {
        by = opts.by ? parseDimensions(opts.by) : undefined;
      } catch (err) {
        throw new CliError(`--by: ${(err as Error).message}`);
      }
      const timezone = opts.tz ?? config.timezone;
      const now = new Date();
      const selection = {
        week: opts.week,
        from: opts.from ? parseTimeFlag('--from', opts.from, { now, timezone }) : undefined,
        to: opts.to ? parseTimeFlag('--to', opts.to, { now, timezone, edge: 'end' }) : undefined,
        timezone,
      };
      const backend = await openBackend(config, global.server);
      let text: string;
      try {
        if (backend.kind === 'remote') {
          const url = new URL('/api/v1/reports/weekly', backend.url);
          for (const [key, value] of Object.entries({
            week: opts.week,
            from: selection.from?.toISOString(),
            to: selection.to?.toISOString(),
            tz: selection.timezone,
            by: opts.by,
            format: opts.format,
            tenant: opts.tenant,
          })) {
            if (value !== undefined) url.searchParams.set(key, value);
          }
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${backend.token}` },
          });
          text = await response.text();
          if (!response.ok)
            throw new CliError(
              (JSON.parse(text) as { error?: string }).error ??
                `server answered ${response.status}`,
            );
        } else {
          try {
            text = await renderWeeklyReport(backend.store, {
              tenant: opts.tenant,
              selection,
              by,
              format: opts.format,
              pricer: createPricer({ overrides: config.prices }),
              config,
            });
          } catch (err) {
            if (err instanceof Error && /not an ISO week/.test(err.message))
              throw new CliError(`--week: ${err.message}`);
            throw err;
          }
        }
      } finally {
        await closeBackend(backend);
      }
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
