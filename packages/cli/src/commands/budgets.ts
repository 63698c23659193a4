import {
  type Anomaly,
  type BudgetStatus,
  detectAnomalies,
  evaluateBudgets,
} from '@tokenwatch/analyzer';
import type { Command } from 'commander';
import { CliError, closeBackend, getRemote, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

type Options = { at?: string; tenant: string };

function atOf(opts: Options): Date {
  const at = opts.at ? new Date(opts.at) : new Date();
  if (Number.isNaN(at.getTime())) throw new CliError(`--at: not a time: ${opts.at}`);
  return at;
}

/** `tokenwatch anomalies` and `tokenwatch budgets`: what burns now, and where each budget stands. */
export function registerBudgets(program: Command): void {
  program
    .command('anomalies')
    .description(
      'entities spending at least 3x their own normal rate right now (burn-rate anomalies)',
    )
    .option('--at <time>', 'evaluate at this time instead of now (ISO)')
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .addOption(formatOption())
    .action(async (opts: Options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const at = atOf(opts);
      const backend = await openBackend(config, global.server);
      let result: { anomalies: Anomaly[] };
      try {
        result =
          backend.kind === 'remote'
            ? await getRemote(backend, '/api/v1/anomalies', {
                at: at.toISOString(),
                tenant: opts.tenant,
              })
            : {
                anomalies: await detectAnomalies(backend.store, {
                  tenant: opts.tenant,
                  now: at,
                  config: config.anomalies,
                }),
              };
      } finally {
        await closeBackend(backend);
      }
      if (global.format === 'json') {
        process.stdout.write(`${JSON.stringify({ at, anomalies: result.anomalies }, null, 2)}\n`);
        return;
      }
      if (result.anomalies.length === 0 && global.format === 'table') {
        process.stdout.write('No burn-rate anomalies.\n');
        return;
      }
      process.stdout.write(
        renderRecords(
          result.anomalies.map((a) => ({
            entity: `${a.entity.kind}=${a.entity.value}`,
            metric: a.metric,
            ratio: a.ratio.toFixed(1),
            baseline_per_min: a.baseline,
            top_model: a.topModel,
            usd_per_hour: a.projectedCostPerHourUsd,
          })),
          global.format,
        ),
      );
    });

  program
    .command('budgets')
    .description(
      'each budget: period-to-date spend, thresholds reached, forecast, burn-rate signals',
    )
    .option('--at <time>', 'evaluate at this time instead of now (ISO)')
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .addOption(formatOption())
    .action(async (opts: Options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const at = atOf(opts);
      const backend = await openBackend(config, global.server);
      let result: { budgets: BudgetStatus[] };
      try {
        result =
          backend.kind === 'remote'
            ? await getRemote(backend, '/api/v1/budgets', {
                at: at.toISOString(),
                tenant: opts.tenant,
              })
            : {
                budgets: await evaluateBudgets(backend.store, {
                  budgets: config.budgets,
                  timezone: config.timezone,
                  now: at,
                  tenant: opts.tenant,
                  record: false,
                }),
              };
      } finally {
        await closeBackend(backend);
      }
      if (global.format === 'json') {
        process.stdout.write(`${JSON.stringify({ at, budgets: result.budgets }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        renderRecords(
          result.budgets.map((b) => ({
            budget: b.budgetId,
            instance: b.instance,
            unit: b.unit,
            spent: b.spent,
            limit: b.limit,
            used: `${(b.fraction * 100).toFixed(1)}%`,
            reached: b.thresholds.reached.map((t) => `${t * 100}%`).join(' '),
            exhausts_at: b.forecast.exhaustsAt ? new Date(b.forecast.exhaustsAt).toISOString() : '',
            signal: b.page ? 'PAGE' : b.ticket ? 'ticket' : '',
          })),
          global.format,
        ),
      );
    });
}
