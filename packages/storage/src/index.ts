export {
  type ApiKeyInfo,
  activeApiKeys,
  checkProjectName,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
} from "./api-keys.ts";
export {
  type RetentionOptions,
  resolveStoreConfig,
  StorageError,
  type StoreConfig,
  type StoreOptions,
} from "./config.ts";
export { dateTime64Text, millisText, parseMillisText } from "./datetime.ts";
export { applyRetention, loadMigrations, type Migration, migrate, parseMigration } from "./migrations.ts";
export { DEFAULT_PROJECT, encodeRows, type OutcomeRow, type SpanRow } from "./rows.ts";
export { sqlFiles } from "./sql-files.ts";
export { sqlString } from "./sql-string.ts";
export { type InsertTable, openStore, type Store, type WriteResult } from "./store.ts";
export { WATERMARK_MARGIN_MILLIS, watermarkUntil } from "./watermark.ts";
