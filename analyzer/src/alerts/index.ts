export {
  type AlertEngine,
  type AlertEngineConfig,
  type AlertEngineOptions,
  type AlertEvaluation,
  type AlertView,
  createAlertEngine,
} from './engine.ts';
export { alertEntityName } from './entity-name.ts';
export { exportGrafanaAlertRules } from './grafana.ts';
export { fingerprintOf } from './labels.ts';
export { PAGERDUTY_SEVERITY } from './notifiers/pagerduty.ts';
export { ALERT_TABLES, listDeliveries } from './state-repository.ts';
export type {
  AlertInstance,
  AlertStateName,
  DeliveryResult,
  NotificationEvent,
} from './types.ts';
