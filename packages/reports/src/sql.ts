// `@leantrace/reports/sql`: read-only SQL for platform teams, confined to their project.
export { EXAMPLE_QUERIES, type ExampleQuery } from "./sql-examples.ts";
export {
  runSqlQuery,
  SQL_FORMATS,
  SQL_HIDDEN_TABLES,
  SQL_LIMITS,
  SQL_TABLES,
  type SqlLimits,
  SqlQueryError,
  type SqlRequest,
  type SqlResult,
  sqlRequestSchema,
  sqlResultSchema,
} from "./sql-query.ts";
export { formatSqlResult, sqlResultCsv } from "./sql-result.ts";
