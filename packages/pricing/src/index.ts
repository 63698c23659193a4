export { Decimal } from './decimal.ts';
export { type ListPricesOptions, listPrices, type PriceListing } from './list.ts';
export {
  createPricer,
  getContextWindow,
  type PriceableCall,
  type PricedResult,
  type PriceOverrideSpec,
  type PriceResult,
  type Pricer,
  type PricerOptions,
  type PriceSource,
  type UnpricedResult,
} from './pricer.ts';
