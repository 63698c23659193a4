export { type DetectAnomaliesOptions, detectAnomalies } from './detect.ts';
export {
  ANOMALY_METRICS,
  type Anomaly,
  type AnomalyMetric,
  type AnomalyWindow,
  type BaselineSource,
  type MetricReading,
} from './types.ts';
