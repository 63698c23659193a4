import type { Config } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';

/**
 * A configuration and the pricer built from it. `serve` swaps them together when it reloads its
 * config file, and a route reads them once per request, so one request never mixes two versions.
 */
export type AnalyzerSettings = { config: Config; pricer: Pricer };

/** Reads the settings in effect now. */
export type SettingsSource = () => AnalyzerSettings;
