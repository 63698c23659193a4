export { type Collector, createCollector } from './collector.ts';
