export { createPricer, type Pricer } from '@tokenwatch/pricing';
export { type Collector, createCollector } from './collector.ts';
export { type RepriceSummary, reprice } from './reprice/reprice.ts';
