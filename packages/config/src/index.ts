export {
  ALERT_RULE_PLACEHOLDERS,
  type AlertReceiverConfig,
  type AlertRuleConfig,
  type AlertRuleKind,
  type AlertSeverity,
  type AlertsConfig,
  AlertsSchema,
  DEFAULT_ALERT_RULES,
  effectiveAlertRules,
} from './alerts-schema.ts';
export {
  type AnomaliesConfig,
  AnomaliesSchema,
  type BudgetConfig,
  BudgetSchema,
  SCOPE_FIELDS,
  type ScopeField,
} from './analytics-schema.ts';
export {
  changedSections,
  keepRestartOnly,
  type RestartOnlyChange,
  restartOnlyChanges,
  sameValue,
} from './changes.ts';
export { envBool, envInt, envString } from './env.ts';
export { ConfigError } from './errors.ts';
export {
  type Config,
  type ConfigFlags,
  type ConfigSources,
  DEFAULT_CONFIG_FILE,
  hashApiKey,
  type LoadedConfig,
  loadConfig,
  loadConfigWithChecksum,
} from './load.ts';
export { type ReconcileConfig, ReconcileSchema } from './reconcile-schema.ts';
export {
  REPORT_DAYS,
  REPORT_FORMATS,
  type ReportDelivery,
  ReportDeliverySchema,
  type ReportFormat,
  type ReportsConfig,
  ReportsSchema,
} from './reports-schema.ts';
export {
  ATTRIBUTION_FIELDS,
  type ConfigFile,
  ConfigFileSchema,
  configJsonSchema,
} from './schema.ts';
export { type ConfigWatcher, type ConfigWatchOptions, watchConfigFile } from './watch.ts';
