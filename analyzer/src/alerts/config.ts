/** The alert config types, from `@tokenwatch/config`. */
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
} from '@tokenwatch/config';
