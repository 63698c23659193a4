export { type Collector, createCollector } from './collector.ts';
export { createPricer, type Pricer } from './pricing/pricer.ts';
export { type RepriceSummary, reprice } from './reprice/reprice.ts';
