#!/usr/bin/env node
import { ConfigError } from '@tokenwatch/config';
import { StoreError } from '@tokenwatch/store';
import { Command } from 'commander';
import { CliError } from './backend.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerAnalytics, registerContext } from './commands/analytics.ts';
import { registerBudgets } from './commands/budgets.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerExplore } from './commands/explore.ts';
import { registerFakeProvider } from './commands/fake-provider.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerPrices } from './commands/prices.ts';
import { registerReconcile } from './commands/reconcile.ts';
import { registerReport } from './commands/report.ts';
import { registerReprice } from './commands/reprice.ts';
import { registerServe } from './commands/serve.ts';
import { registerSql } from './commands/sql.ts';
import { registerVersion } from './commands/version.ts';

/** Builds the `tokenwatch` command line. */
export function buildProgram(): Command {
  const program = new Command('tokenwatch')
    .description('Know and control what LLM agents spend.')
    .option('--config <file>', 'tokenwatch.yaml to read (env TOKENWATCH_CONFIG)')
    .option(
      '--data-dir <dir>',
      'embedded store directory (env TOKENWATCH_DATA_DIR; default ./.tokenwatch/data)',
    )
    .option(
      '--clickhouse-url <url>',
      'use a ClickHouse server: http(s)://user:pass@host:8123/db (env TOKENWATCH_CLICKHOUSE_URL)',
    )
    .option(
      '--server <url>',
      'send commands to this running tokenwatch serve (found automatically for the same data dir)',
    )
    .showHelpAfterError();
  registerServe(program);
  registerMigrate(program);
  registerSql(program);
  registerReprice(program);
  registerPrices(program);
  registerReconcile(program);
  registerAnalytics(program);
  registerContext(program);
  registerExplore(program);
  registerBudgets(program);
  registerReport(program);
  registerAlerts(program);
  registerDemo(program);
  registerFakeProvider(program);
  registerConfig(program);
  registerKeys(program);
  registerVersion(program);
  return program;
}

/** Runs the CLI; known errors print one clear line and exit 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError || err instanceof StoreError) {
      console.error(`tokenwatch: ${err.message}`);
    } else if (err instanceof Error && 'code' in err && /^\d+$/.test(String(err.code))) {
      // A ClickHouse error (bad SQL, unknown table): the message is what the user needs.
      console.error(`tokenwatch: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  }
}

await main(process.argv);
