import {
  type Anomaly,
  type BudgetStatus,
  detectAnomalies,
  evaluateBudgets,
  TIME_FORMS,
} from '@tokenwatch/analyzer';
import type { Config } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import type { Command } from 'commander';
import { closeBackend, getRemote, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions, parseTimeFlag } from '../options.ts';
import { type Format, renderRecords } from '../output.ts';

type Options = { at?: string; tenant: string };

/**
 * A report evaluated at one moment (`--at`, default now), from the store or a running server:
 * the remote route answers the same JSON as the local function.
 */
function pointInTimeCommand<T>(
  program: Command,
  spec: {
    name: string;
    description: string;
    route: string;
    local: (store: Store, config: Config, tenant: string, at: Date) => Promise<T>;
    print: (result: T, format: Format) => string;
  },
): void {
  program
    .command(spec.name)
    .description(spec.description)
    .option('--at <time>', `evaluate at this time instead of now: ${TIME_FORMS}`)
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .addOption(formatOption())
    .action(async (opts: Options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const now = new Date();
      const at = opts.at ? parseTimeFlag('--at', opts.at, { now, timezone: config.timezone }) : now;
      const backend = await openBackend(config, global.server);
      try {
        const result =
          backend.kind === 'remote'
            ? await getRemote<T>(backend, spec.route, { at: at.toISOString(), tenant: opts.tenant })
            : await spec.local(backend.store, config, opts.tenant, at);
        process.stdout.write(
          global.format === 'json'
            ? `${JSON.stringify(result, null, 2)}\n`
            : spec.print(result, global.format),
        );
      } finally {
        await closeBackend(backend);
      }
    });
}

/** `tokenwatch anomalies` and `tokenwatch budgets`: what burns now, and where each budget stands. */
export function registerBudgets(program: Command): void {
  pointInTimeCommand<{ at: Date; anomalies: Anomaly[] }>(program, {
    name: 'anomalies',
    description:
      'entities spending at least 3x their own normal rate right now (burn-rate anomalies)',
    route: '/api/v1/anomalies',
    local: async (store, config, tenant, at) => ({
      at,
      anomalies: await detectAnomalies(store, { tenant, now: at, config: config.anomalies }),
    }),
    print: (result, format) =>
      result.anomalies.length === 0 && format === 'table'
        ? 'No burn-rate anomalies.\n'
        : renderRecords(
            result.anomalies.map((a) => ({
              entity: `${a.entity.kind}=${a.entity.value}`,
              metric: a.metric,
              ratio: a.ratio.toFixed(1),
              baseline_per_min: a.baseline,
              top_model: a.topModel,
              usd_per_hour: a.projectedCostPerHourUsd,
            })),
            format,
          ),
  });

  pointInTimeCommand<{ at: Date; budgets: BudgetStatus[] }>(program, {
    name: 'budgets',
    description:
      'each budget: period-to-date spend, thresholds reached, forecast, burn-rate signals',
    route: '/api/v1/budgets',
    local: async (store, config, tenant, at) => ({
      at,
      budgets: await evaluateBudgets(store, {
        budgets: config.budgets,
        timezone: config.timezone,
        now: at,
        tenant,
        record: false,
      }),
    }),
    print: (result, format) =>
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
        format,
      ),
  });
}
