import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AlertEvaluation,
  alertHistoryRead,
  alertsRead,
  alertTableRecord,
  createAlertEngine,
  exportGrafanaAlertRules,
  TIME_FORMS,
} from '@tokenwatch/analyzer';
import { createPricer } from '@tokenwatch/pricing';
import type { Command } from 'commander';
import { closeBackend, openBackend, remoteAlertsEvaluate, remoteAlertsTest } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';
import { readCommand } from './read-command.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** `tokenwatch alerts list | evaluate [--dry-run] | test <receiver> | export-grafana`. */
export function registerAlerts(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alert rules, their state and their receivers');

  readCommand(alerts, alertsRead, {
    name: 'list',
    description: 'open alerts with their state',
    options: [['--limit <n>', 'alerts to show']],
  });

  readCommand(alerts, alertHistoryRead, {
    name: 'history',
    description: 'each time an alert fired in a range, with when it started and resolved',
    options: [
      ['--since <time>', `start: ${TIME_FORMS}`],
      ['--until <time>', 'end; a day or week given here is included whole'],
      ['--limit <n>', 'firings to show'],
    ],
  });

  alerts
    .command('evaluate')
    .description(
      'evaluate every rule now and deliver notifications (--dry-run: show, send and record nothing)',
    )
    .option('--dry-run', 'evaluate without sending or recording', false)
    .addOption(formatOption())
    .action(async (opts: { dryRun: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const backend = await openBackend(config, global.server);
      try {
        // Through a running server, its own engine evaluates: one alert state, one set of receivers.
        const result =
          backend.kind === 'remote'
            ? await remoteAlertsEvaluate<AlertEvaluation>(backend, opts.dryRun)
            : await createAlertEngine({
                store: backend.store,
                config,
                pricer: createPricer({ overrides: config.prices }),
              }).evaluate(new Date(), { dryRun: opts.dryRun });
        process.stdout.write(
          global.format === 'json'
            ? json(result)
            : renderRecords(result.alerts.map(alertTableRecord), global.format),
        );
      } finally {
        await closeBackend(backend);
      }
    });

  alerts
    .command('test')
    .description('send a test notification to one receiver')
    .argument('<receiver>', 'receiver name from tokenwatch.yaml')
    .action(async (receiver: string, _opts: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      const backend = await openBackend(config, global.server);
      try {
        const result =
          backend.kind === 'remote'
            ? await remoteAlertsTest(backend, receiver)
            : await createAlertEngine({ store: backend.store, config }).test(receiver);
        process.stdout.write(json(result));
      } finally {
        await closeBackend(backend);
      }
    });

  alerts
    .command('export-grafana')
    .description('write Grafana alert-rule provisioning YAML equivalent to the configured rules')
    .option('--out <file>', 'file to write', 'dashboards/provisioning/alerting/tokenwatch.yaml')
    .option('--datasource-uid <uid>', 'ClickHouse datasource uid', 'tokenwatch-clickhouse')
    .action((opts: { out: string; datasourceUid: string }, command: Command) => {
      mkdirSync(dirname(opts.out), { recursive: true });
      writeFileSync(opts.out, exportGrafanaAlertRules(configFrom(command), opts.datasourceUid));
      process.stderr.write(`tokenwatch: wrote ${opts.out}\n`);
    });
}
