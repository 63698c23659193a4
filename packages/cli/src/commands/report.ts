import { writeFileSync } from 'node:fs';
import { TIME_FORMS, weeklyReportRead } from '@tokenwatch/analyzer';
import { REPORT_FORMATS, type ReportFormat } from '@tokenwatch/config';
import { type Command, Option } from 'commander';
import { readOnce } from '../backend.ts';
import { configFrom, type GlobalOptions } from '../options.ts';

type Options = {
  week?: string;
  from?: string;
  to?: string;
  by?: string;
  at?: string;
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
    .option('--at <time>', 'build the report as of this time (default now)')
    .addOption(
      new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('md'),
    )
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--tz <zone>', 'time zone of the week (default: the configured timezone)')
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .action(async (opts: Options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { week, from, to, by, at, tz } = opts;
      // The report is read once, the same whatever the backend, and rendered here.
      const result = await readOnce(
        configFrom(command),
        global.server,
        opts.tenant,
        weeklyReportRead,
        {
          week,
          from,
          to,
          by,
          at,
          tz,
          focus: opts.format === 'focus' ? 'true' : undefined,
        },
      );
      const text = weeklyReportRead.documents!.render(result, opts.format);
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
