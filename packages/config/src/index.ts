export {
  type AnomaliesConfig,
  AnomaliesSchema,
  type BudgetConfig,
  BudgetSchema,
  SCOPE_FIELDS,
  type ScopeField,
} from './analytics-schema.ts';
export { envBool, envInt, envString } from './env.ts';
export { ConfigError } from './errors.ts';
export {
  type Config,
  type ConfigFlags,
  DEFAULT_CONFIG_FILE,
  hashApiKey,
  loadConfig,
} from './load.ts';
export {
  ATTRIBUTION_FIELDS,
  type ConfigFile,
  ConfigFileSchema,
  configJsonSchema,
} from './schema.ts';
