export { createPricer, type Pricer } from '@tokenwatch/pricing';
export {
  type Collector,
  type CollectorSettings,
  type ConfigInfo,
  createCollector,
} from './collector.ts';
export { type RepriceSummary, reprice } from './reprice/reprice.ts';
