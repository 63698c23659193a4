export {
  getReconcileReport,
  type ProjectMapping,
  RECONCILE_BY,
  type ReconcileBy,
  type ReconcileReport,
  type ReconcileRow,
} from './compare.ts';
export { DEFAULT_ADMIN_BASE_URLS, type FetchOptions, fetchProviderUsage } from './fetch.ts';
export {
  type ImportSummary,
  importProviderExport,
  parseExport,
  storeProviderUsage,
} from './import.ts';
export {
  exportPages,
  type ProviderUsageLine,
  RECONCILE_PROVIDERS,
  ReconcileError,
  type ReconcileProvider,
} from './lines.ts';
export { ADMIN_ENV, createReconcileFetcher, type ReconcileFetcher } from './schedule.ts';
