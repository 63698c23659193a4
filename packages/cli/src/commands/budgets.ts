import {
  type Anomaly,
  type AnomalyOccurrence,
  type BudgetStatus,
  detectAnomalies,
  evaluateBudgets,
  listAnomalyHistory,
  TIME_FORMS,
  type TimeRange,
} from '@tokenwatch/analyzer';
import type { Config } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import type { Command } from 'commander';
import { CliError, closeBackend, getRemote, openBackend } from '../backend.ts';
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
  registerAnomalies(program);

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

type AnomaliesOptions = { at?: string; since?: string; until?: string; tenant: string };
type AnomaliesNow = { at: Date; anomalies: Anomaly[] };
type AnomaliesRange = { range: TimeRange; anomalies: AnomalyOccurrence[] };

/**
 * `tokenwatch anomalies`: what burns right now (or `--at`), or with `--since`/`--until` the
 * anomalies the alert engine recorded in that range, with start, end, peak ratio and cost.
 */
function registerAnomalies(program: Command): void {
  program
    .command('anomalies')
    .description(
      'entities spending at least 3x their own normal rate right now (burn-rate anomalies); with --since, those recorded in a range',
    )
    .option('--at <time>', `evaluate at this time instead of now: ${TIME_FORMS}`)
    .option('--since <time>', `anomalies recorded from this time on: ${TIME_FORMS}`)
    .option('--until <time>', 'with --since: end of the range (default now)')
    .option('--tenant <tenant>', 'tenant to report on', 'default')
    .addOption(formatOption())
    .action(async (opts: AnomaliesOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const now = new Date();
      const timezone = config.timezone;
      const history = opts.since !== undefined || opts.until !== undefined;
      if (history && opts.at) throw new CliError('--at: give either --at or --since/--until');
      const range: TimeRange | undefined = history
        ? {
            from: parseTimeFlag('--since', opts.since ?? '24h', { now, timezone }),
            to: opts.until
              ? parseTimeFlag('--until', opts.until, { now, timezone, edge: 'end' })
              : now,
          }
        : undefined;
      const at = opts.at ? parseTimeFlag('--at', opts.at, { now, timezone }) : now;
      const backend = await openBackend(config, global.server);
      let text: string;
      try {
        if (range) {
          const result: AnomaliesRange =
            backend.kind === 'remote'
              ? await getRemote<AnomaliesRange>(backend, '/api/v1/anomalies', {
                  since: range.from.toISOString(),
                  until: range.to.toISOString(),
                  tenant: opts.tenant,
                })
              : {
                  range,
                  anomalies: await listAnomalyHistory(backend.store, {
                    tenant: opts.tenant,
                    ...range,
                  }),
                };
          text =
            global.format === 'json'
              ? `${JSON.stringify(result, null, 2)}\n`
              : printHistory(result, global.format);
        } else {
          const result: AnomaliesNow =
            backend.kind === 'remote'
              ? await getRemote<AnomaliesNow>(backend, '/api/v1/anomalies', {
                  at: at.toISOString(),
                  tenant: opts.tenant,
                })
              : {
                  at,
                  anomalies: await detectAnomalies(backend.store, {
                    tenant: opts.tenant,
                    now: at,
                    config: config.anomalies,
                  }),
                };
          text =
            global.format === 'json'
              ? `${JSON.stringify(result, null, 2)}\n`
              : printNow(result, global.format);
        }
      } finally {
        await closeBackend(backend);
      }
      process.stdout.write(text);
    });
}

function printNow(result: AnomaliesNow, format: Format): string {
  if (result.anomalies.length === 0 && format === 'table') return 'No burn-rate anomalies.\n';
  return renderRecords(
    result.anomalies.map((a) => ({
      entity: `${a.entity.kind}=${a.entity.value}`,
      metric: a.metric,
      ratio: a.ratio.toFixed(1),
      baseline_per_min: a.baseline,
      top_model: a.topModel,
      usd_per_hour: a.projectedCostPerHourUsd,
    })),
    format,
  );
}

function printHistory(result: AnomaliesRange, format: Format): string {
  const iso = (d: Date | string) => new Date(d).toISOString();
  if (result.anomalies.length === 0 && format === 'table')
    return `No burn-rate anomalies from ${iso(result.range.from)} to ${iso(result.range.to)}.\n`;
  return renderRecords(
    result.anomalies.map((a) => ({
      entity: `${a.entity.kind}=${a.entity.value}`,
      started: iso(a.startedAt),
      ended: a.ongoing ? 'ongoing' : iso(a.endedAt),
      metric: a.metric,
      peak_ratio: a.peakRatio.toFixed(1),
      cost_usd: a.costUsd,
      calls: a.calls,
      top_model: a.topModel,
    })),
    format,
  );
}
