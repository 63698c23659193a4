export { type AgentCacheStats, type CacheReport, getCacheEfficiency } from './analytics/cache.ts';
export { type CostReport, type CostRow, getCost } from './analytics/cost.ts';
export { DIMENSIONS, type Dimension, parseDimensions } from './analytics/dimensions.ts';
export { type AgentFailureCost, getFailureCost } from './analytics/failures.ts';
export {
  type AgentTaskStats,
  getTaskStatsByAgent,
  getTasks,
  type TaskCost,
} from './analytics/tasks.ts';
export { parseSince, type TimeRange } from './analytics/time-range.ts';
export { type Analyzer, createAnalyzer } from './analyzer.ts';
