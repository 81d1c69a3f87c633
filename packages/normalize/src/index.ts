export { MAX_COUNT, MAX_NAME_CHARS } from "./limits.ts";
export {
  type NormalizeJob,
  type NormalizeOutcome,
  type NormalizeSettings,
  normalizeRequest,
} from "./normalize-request.ts";
export {
  DEFAULT_MAX_ATTRIBUTE_CHARS,
  type NormalizedBatch,
  type NormalizeOptions,
  normalizeTraceRequest,
} from "./span-row.ts";
