import { alertHistoryRead } from './alert-history.ts';
import { alertsRead } from './alerts.ts';
import { anomaliesRead } from './anomalies.ts';
import { budgetsRead } from './budgets.ts';
import { cacheRead } from './cache.ts';
import { contextRead } from './context.ts';
import type { AnyRead } from './contract.ts';
import { costRead } from './cost.ts';
import { costSeriesRead } from './cost-series.ts';
import { failuresRead } from './failures.ts';
import { freshnessRead } from './freshness.ts';
import { spanRead } from './span.ts';
import { taskCallsRead } from './task-calls.ts';
import { tasksRead } from './tasks.ts';
import { weeklyReportRead } from './weekly-report.ts';

/**
 * Every read of the contract. The API mounts one route per entry (`api/read-routes.ts`); the CLI
 * asks each through a {@link ReadClient}. Adding a read is adding its module and its entry here.
 */
export const READS: readonly AnyRead[] = [
  costRead,
  costSeriesRead,
  tasksRead,
  taskCallsRead,
  spanRead,
  cacheRead,
  failuresRead,
  contextRead,
  anomaliesRead,
  budgetsRead,
  alertsRead,
  alertHistoryRead,
  weeklyReportRead,
  freshnessRead,
];

export { AlertHistoryResultSchema, alertHistoryRead } from './alert-history.ts';
export { AlertsResultSchema, AlertViewSchema, alertsRead, alertTableRecord } from './alerts.ts';
export {
  AnomaliesResultSchema,
  AnomalyOccurrenceSchema,
  AnomalySchema,
  anomaliesRead,
} from './anomalies.ts';
export { BudgetStatusSchema, BudgetsResultSchema, budgetsRead } from './budgets.ts';
export { AgentCacheStatsSchema, CacheResultSchema, cacheRead } from './cache.ts';
export {
  httpReadClient,
  inProcessReadClient,
  type ReadClient,
  ReadRequestError,
} from './client.ts';
export {
  AgentContextSchema,
  ContextResultSchema,
  contextRead,
  SessionContextSchema,
  TaskCostRegressionSchema,
} from './context.ts';
export {
  type AnyRead,
  defineRead,
  parseReadQuery,
  type QueryContext,
  type QueryOf,
  queryParams,
  type RawParams,
  type Read,
  type ReadContext,
  type ReadDocuments,
  type ReadPrint,
  ReadQueryError,
  type ReadTable,
  type ResultOf,
  runRead,
  type Truncation,
} from './contract.ts';
export { CostResultSchema, CostRowSchema, costRead } from './cost.ts';
export { CostSeriesResultSchema, costSeriesRead, OTHER_SERIES } from './cost-series.ts';
export { AgentFailureCostSchema, FailuresResultSchema, failuresRead } from './failures.ts';
export { FreshnessResultSchema, freshnessRead } from './freshness.ts';
export { MAX_ROW_LIMIT, ROW_LIMIT } from './schemas.ts';
export { RawSpanSchema, SpanResultSchema, spanRead } from './span.ts';
export { TaskCallSchema, TaskCallsResultSchema, taskCallsRead } from './task-calls.ts';
export {
  AgentTaskStatsSchema,
  TASK_OUTCOMES,
  TaskCostSchema,
  TasksResultSchema,
  tasksRead,
} from './tasks.ts';
export { WeeklyReportResultSchema, weeklyReportRead } from './weekly-report.ts';
