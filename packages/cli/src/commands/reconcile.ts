import { readFileSync } from 'node:fs';
import {
  ADMIN_ENV,
  DEFAULT_ADMIN_BASE_URLS,
  fetchProviderUsage,
  getReconcileReport,
  type ImportSummary,
  importProviderExport,
  RECONCILE_BY,
  RECONCILE_PROVIDERS,
  type ReconcileBy,
  ReconcileError,
  type ReconcileProvider,
  type ReconcileRow,
  TIME_FORMS,
} from '@tokenwatch/analyzer';
import type { Config } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import { type Command, Option } from 'commander';
import { CliError, closeBackend, openBackend } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions, parseTimeFlag } from '../options.ts';
import { type Format, renderRecords } from '../output.ts';

function providerOption(): Option {
  return new Option('--provider <provider>', 'whose export')
    .choices(RECONCILE_PROVIDERS)
    .makeOptionMandatory();
}

/**
 * Runs `work` on the store itself. These writes and the report read the store directly: a
 * running serve holds the embedded store, so the verb asks for it to be stopped (or for a
 * ClickHouse server) rather than sending export data through an admin route.
 */
async function withStore<T>(command: Command, work: (store: Store, config: Config) => Promise<T>) {
  const config = configFrom(command);
  const backend = await openBackend(config, command.optsWithGlobals<GlobalOptions>().server);
  try {
    if (backend.kind !== 'store') {
      throw new CliError(
        `reconcile works on the store itself, and a tokenwatch serve at ${backend.url} holds it: ` +
          'stop it, or use a ClickHouse server (--clickhouse-url)',
      );
    }
    return await work(backend.store, config);
  } catch (err) {
    if (err instanceof ReconcileError) throw new CliError(err.message, { cause: err });
    throw err;
  } finally {
    await closeBackend(backend);
  }
}

function printSummary(summary: ImportSummary, format: Format): void {
  const record = {
    provider: summary.provider,
    usage_lines: summary.usageLines,
    cost_lines: summary.costLines,
    buckets: summary.buckets,
    from: summary.from,
    to: summary.to,
  };
  process.stdout.write(renderRecords([record], format));
}

/**
 * A subcommand's options. The parent `reconcile` declares `--since`, `--tenant` and `--format`
 * too, and commander gives an option the parent knows to the parent even after the subcommand's
 * name, so the subcommand reads them merged with its ancestors' (same defaults on both).
 */
function subcommandOptions<T>(command: Command): T {
  return command.optsWithGlobals<T & GlobalOptions>();
}

/** One printed row: the report's nested row flattened into columns. */
function flatten(row: ReconcileRow, by: ReconcileBy): Record<string, unknown> {
  const b = row.billed;
  const o = row.observed;
  return {
    provider: row.provider,
    [by]: row.key,
    tier: row.tier,
    billed_input: b.uncached_input,
    billed_cache_read: b.cache_read,
    billed_cache_write: b.cache_write_5m + b.cache_write_1h,
    billed_output: b.output,
    billed_requests: b.requests,
    billed_usd: b.costUsd,
    observed_input: o.uncachedInput,
    observed_cache_read: o.cacheRead,
    observed_cache_write: o.cacheWrite,
    observed_output: o.output,
    observed_calls: o.calls,
    usage_missing_calls: o.usageMissingCalls,
    observed_usd: o.costUsd,
    coverage_tokens: row.coverage.tokens,
    coverage_cost: row.coverage.cost,
    coverage_requests: row.coverage.requests,
    unexplained_usd: row.unexplainedUsd,
    price_drift_usd: row.priceDriftUsd,
  };
}

/**
 * `tokenwatch reconcile`: the providers' billed usage and cost against what Tokenwatch observed,
 * with `import` and `fetch` to bring the providers' exports in.
 */
export function registerReconcile(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description(
      "compare the providers' billed usage and cost (their admin exports) with the observed calls",
    )
    .option('--since <time>', `first UTC day compared: ${TIME_FORMS}`, '7d')
    .addOption(new Option('--by <dimension>', 'group by').choices(RECONCILE_BY).default('model'))
    .option('--tenant <tenant>', 'tenant', 'default')
    .addOption(formatOption())
    .action(async (opts: { since: string; by: ReconcileBy; tenant: string }, command: Command) => {
      const format = command.optsWithGlobals<GlobalOptions>().format;
      await withStore(command, async (store, config) => {
        const now = new Date();
        const from = parseTimeFlag('--since', opts.since, { now, timezone: config.timezone });
        const report = await getReconcileReport(store, {
          tenant: opts.tenant,
          from,
          to: now,
          by: opts.by,
          mapping: config.reconcile,
        });
        // The totals close the table, one per provider and tier, keyed TOTAL.
        const rows = [...report.rows, ...report.totals].map((r) => flatten(r, opts.by));
        if (format === 'table' && rows.length === 0) {
          process.stdout.write(
            'No provider usage imported for this range: run `tokenwatch reconcile import` or `fetch`.\n',
          );
          return;
        }
        process.stdout.write(renderRecords(rows, format));
      });
    });

  reconcile
    .command('import')
    .description("store a provider's usage or cost export (one page, or an array of pages)")
    .addOption(providerOption())
    .requiredOption('--from <file>', 'the JSON the export endpoint returned')
    .option('--tenant <tenant>', 'tenant', 'default')
    .addOption(formatOption())
    .action(async (_local: unknown, command: Command) => {
      const opts = subcommandOptions<{ provider: ReconcileProvider; from: string; tenant: string }>(
        command,
      );
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(opts.from, 'utf8'));
      } catch (err) {
        throw new CliError(`--from ${opts.from}: ${(err as Error).message}`, { cause: err });
      }
      const summary = await withStore(command, (store) =>
        importProviderExport(store, { tenant: opts.tenant, provider: opts.provider, json }),
      );
      printSummary(summary, command.optsWithGlobals<GlobalOptions>().format);
    });

  reconcile
    .command('fetch')
    .description(
      "fetch a provider's usage and costs from its admin API (key from OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY)",
    )
    .addOption(providerOption())
    .option('--since <time>', `first UTC day fetched: ${TIME_FORMS}`, '7d')
    .option(
      '--base-url <url>',
      'admin API origin (env TOKENWATCH_OPENAI_ADMIN_URL / TOKENWATCH_ANTHROPIC_ADMIN_URL)',
    )
    .addOption(
      new Option('--bucket-width <width>', 'usage bucket width')
        .choices(['1h', '1d'])
        .default('1h'),
    )
    .option('--tenant <tenant>', 'tenant', 'default')
    .addOption(formatOption())
    .action(async (_local: unknown, command: Command) => {
      const opts = subcommandOptions<{
        provider: ReconcileProvider;
        since: string;
        baseUrl?: string;
        bucketWidth: '1h' | '1d';
        tenant: string;
      }>(command);
      const env = ADMIN_ENV[opts.provider];
      const adminKey = process.env[env.key];
      if (!adminKey) throw new CliError(`set ${env.key} to an admin key of the organization`);
      const baseUrl =
        opts.baseUrl ?? process.env[env.url] ?? DEFAULT_ADMIN_BASE_URLS[opts.provider];
      const summary = await withStore(command, (store, config) => {
        const since = parseTimeFlag('--since', opts.since, {
          now: new Date(),
          timezone: config.timezone,
        });
        return fetchProviderUsage(store, opts.tenant, {
          provider: opts.provider,
          adminKey,
          baseUrl,
          since,
          bucketWidth: opts.bucketWidth,
        });
      });
      printSummary(summary, command.optsWithGlobals<GlobalOptions>().format);
    });
}
