import { listPrices, type PriceListing } from '@tokenwatch/pricing';
import type { Command } from 'commander';
import { CliError } from '../backend.ts';
import { configFrom, formatOption, type GlobalOptions } from '../options.ts';
import { renderRecords } from '../output.ts';

/** A listing as a flat record: snake_case like every other verb's columns, `_per_mtok` in USD. */
function toRecord(listing: PriceListing): Record<string, unknown> {
  return {
    provider: listing.provider,
    model: listing.model,
    input_per_mtok: listing.input,
    cache_read_per_mtok: listing.cacheRead,
    cache_write_per_mtok: listing.cacheWrite,
    cache_write_1h_per_mtok: listing.cacheWrite1h,
    output_per_mtok: listing.output,
    tiered: listing.tiered,
    source: listing.source,
    price_version: listing.priceVersion,
    effective_from: listing.effectiveFrom,
    discount: listing.discount,
  };
}

/**
 * `tokenwatch prices [--model GLOB]`: the prices calls are priced with, per million tokens, and
 * where each comes from (the bundled genai-prices data or a tokenwatch.yaml override). Reads only
 * the configuration: no store, no server.
 */
export function registerPrices(program: Command): void {
  program
    .command('prices')
    .description(
      'list known models with input, output and cache prices (USD per million tokens) and their source',
    )
    .option('--model <glob>', 'only models matching this glob, e.g. "claude-*" (case-insensitive)')
    .addOption(formatOption())
    .action((opts: { model?: string }, command: Command) => {
      const { format } = command.optsWithGlobals<GlobalOptions>();
      const config = configFrom(command);
      let listings: PriceListing[];
      try {
        listings = listPrices({ overrides: config.prices, model: opts.model });
      } catch (err) {
        // An invalid override: the same message the pricer would give when serving.
        if (err instanceof RangeError) throw new CliError(`prices: ${err.message}`);
        throw err;
      }
      const records = listings.map(toRecord);
      if (format === 'table') {
        // The table is for people: the stored price version and empty override fields only widen
        // it; JSON and CSV keep every field for scripts.
        for (const record of records) {
          delete record.price_version;
          if (record.effective_from === null) delete record.effective_from;
          if (record.discount === null) delete record.discount;
        }
      }
      process.stdout.write(renderRecords(records, format));
    });
}
