export {
  type AlertEngine,
  type AlertEvaluation,
  type AlertView,
  alertEntityName,
  createAlertEngine,
  exportGrafanaAlertRules,
  listDeliveries,
} from './alerts/index.ts';
export { type AgentCacheStats, type CacheReport, getCacheEfficiency } from './analytics/cache.ts';
export {
  type AgentContext,
  getAgentContext,
  getContextGrowth,
  type SessionContext,
} from './analytics/context.ts';
export { type CostReport, type CostRow, getCost } from './analytics/cost.ts';
export { DIMENSIONS, type Dimension, parseDimensions } from './analytics/dimensions.ts';
export { type AgentFailureCost, getFailureCost } from './analytics/failures.ts';
export { getTaskCostRegressions, type TaskCostRegression } from './analytics/regression.ts';
export {
  type AgentTaskStats,
  getTaskStatsByAgent,
  getTasks,
  type TaskCost,
} from './analytics/tasks.ts';
export { parseSince, type TimeRange } from './analytics/time-range.ts';
export { type Analyzer, createAnalyzer } from './analyzer.ts';
export {
  ANOMALY_METRICS,
  type Anomaly,
  type AnomalyMetric,
  type AnomalyOccurrence,
  detectAnomalies,
  listAnomalyHistory,
} from './anomalies/index.ts';
export {
  type BudgetCheck,
  type BudgetCheckEntry,
  BudgetCounter,
  type BudgetStatus,
  evaluateBudgets,
} from './budgets/index.ts';
export {
  AgentCacheStatsSchema,
  AgentContextSchema,
  AgentFailureCostSchema,
  AgentTaskStatsSchema,
  AnomaliesResultSchema,
  AnomalyOccurrenceSchema,
  AnomalySchema,
  type AnyRead,
  anomaliesRead,
  BudgetStatusSchema,
  BudgetsResultSchema,
  budgetsRead,
  CacheResultSchema,
  ContextResultSchema,
  CostResultSchema,
  CostRowSchema,
  cacheRead,
  contextRead,
  costRead,
  FailuresResultSchema,
  failuresRead,
  httpReadClient,
  inProcessReadClient,
  MAX_ROW_LIMIT,
  parseReadQuery,
  type QueryContext,
  type QueryOf,
  queryParams,
  type RawParams,
  READS,
  type Read,
  type ReadClient,
  type ReadContext,
  type ReadDocuments,
  type ReadPrint,
  ReadQueryError,
  ReadRequestError,
  type ReadTable,
  type ResultOf,
  ROW_LIMIT,
  runRead,
  SessionContextSchema,
  TASK_OUTCOMES,
  TaskCostRegressionSchema,
  TaskCostSchema,
  TasksResultSchema,
  type Truncation,
  tasksRead,
} from './reads/index.ts';
export {
  ADMIN_ENV,
  createReconcileFetcher,
  DEFAULT_ADMIN_BASE_URLS,
  type FetchOptions,
  fetchProviderUsage,
  getReconcileReport,
  type ImportSummary,
  importProviderExport,
  RECONCILE_BY,
  RECONCILE_PROVIDERS,
  type ReconcileBy,
  ReconcileError,
  type ReconcileFetcher,
  type ReconcileProvider,
  type ReconcileReport,
  type ReconcileRow,
} from './reconcile/index.ts';
export {
  buildWeeklyReport,
  createReportScheduler,
  isoWeekAt,
  lastCompleteWeek,
  parseIsoWeek,
  type ReportScheduler,
  renderWeeklyReport,
  type WeeklyReport,
  WeeklyReportSchema,
} from './reports/index.ts';
export { parseTime, TIME_FORMS, type TimeContext, type TimeEdge } from './shared/time-grammar.ts';
