export {
  loadPriceTable,
  type ModelPrice,
  PriceFileError,
  type PriceTable,
  priceFileSchema,
  priceOf,
  type StepTokens,
  stepCost,
} from "./price-table.ts";
