export { apiKeysExist, checkProjectName, createApiKey, hashApiKey, projectOfApiKey } from "./api-keys.ts";
export {
  type RetentionOptions,
  resolveStoreConfig,
  StorageError,
  type StoreConfig,
  type StoreOptions,
} from "./config.ts";
export { dateTime64Text } from "./datetime.ts";
export { applyRetention, loadMigrations, type Migration, migrate, parseMigration } from "./migrations.ts";
export type { OutcomeRow, SpanRow } from "./rows.ts";
export { sqlFiles } from "./sql-files.ts";
export { openStore, type Store, type WriteResult } from "./store.ts";
