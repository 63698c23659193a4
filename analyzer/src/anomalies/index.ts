export {
  ANOMALY_SIGNIFICANCE,
  type DetectAnomaliesOptions,
  detectAnomalies,
} from './detect.ts';
export { type AnomalyRecorder, createAnomalyRecorder } from './history.ts';
export {
  ANOMALY_TABLES,
  type AnomalyOccurrence,
  listAnomalyHistory,
} from './history-repository.ts';
export { poissonLowerTail, poissonUpperTail } from './poisson.ts';
export {
  ANOMALY_METRICS,
  type Anomaly,
  type AnomalyMetric,
  type AnomalyWindow,
  type BaselineSource,
  type MetricReading,
} from './types.ts';
