export { envBool, envInt, envString } from './env.ts';
export { ConfigError } from './errors.ts';
export { type Config, type ConfigFlags, DEFAULT_CONFIG_FILE, loadConfig } from './load.ts';
export { type ConfigFile, ConfigFileSchema, configJsonSchema } from './schema.ts';
